ALTER TABLE "posts" ADD COLUMN "announced_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "posts_unannounced_idx" ON "posts" USING btree ("published_at") WHERE "posts"."status" = 'published' AND "posts"."announced_at" IS DISTINCT FROM "posts"."published_at";--> statement-breakpoint
-- Posts already public were announced when they were written; only future ones wait.
UPDATE "posts" SET "announced_at" = "published_at" WHERE "status" = 'published' AND "published_at" <= now();
