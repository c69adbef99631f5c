import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { config } from './config';

/*
 * The admin HTTP API is off unless ADMIN_TOKEN is set; every request must carry it as a bearer
 * token. Responses are JSON with an `error` sentence on failure, never a driver message.
 */

export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });
}

export function refuseUnlessAdmin(request: Request): Response | null {
  if (!config.ADMIN_TOKEN) return json({ error: 'The admin API is disabled: set ADMIN_TOKEN to enable it.' }, 404);
  const given = Buffer.from(request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(config.ADMIN_TOKEN);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return json({ error: 'Missing or wrong bearer token.' }, 401);
  }
  return null;
}

export async function readJson<T>(request: Request, schema: z.ZodType<T>): Promise<{ data: T } | { response: Response }> {
  let raw: unknown;
  try {
    raw = await request.json();
  } catch {
    return { response: json({ error: 'The request body must be JSON.' }, 400) };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { response: json({ error: 'Invalid input.', fields: z.flattenError(parsed.error).fieldErrors }, 422) };
  return { data: parsed.data };
}

/** Maps known database refusals to a sentence; anything else is logged and reported as a 500. */
export function writeFailed(error: unknown, what: string): Response {
  // The ORM wraps the driver's error: its code is on the cause (a duplicate slug was a 500).
  const code = (error as { code?: string } | null)?.code ?? (error as { cause?: { code?: string } } | null)?.cause?.code;
  if (code === '23505') return json({ error: 'Another post already uses that slug.' }, 409);
  // A PATCH can clear the date of a published post, or publish a draft with `publishedAt: null`.
  if (code === '23514') return json({ error: 'A published post needs a publication date.' }, 422);
  console.error(`[admin] ${what} failed`, error);
  return json({ error: `${what} failed; nothing was changed. See the server log.` }, 500);
}
