import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` uses this file; it needs no database, so no URL is read here.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './drizzle',
});
