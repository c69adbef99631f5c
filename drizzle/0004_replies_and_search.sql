ALTER TABLE "comments" ADD COLUMN "parent_id" integer;--> statement-breakpoint
ALTER TABLE "comments" ADD COLUMN "parent_removed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "tag_names" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce("title", '')), 'A') || setweight(to_tsvector('english', coalesce("tag_names", '')), 'A') || setweight(to_tsvector('english', coalesce("body", '')), 'B')) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_parent_id_comments_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."comments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "comments_parent_idx" ON "comments" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "posts_search_idx" ON "posts" USING gin ("search");--> statement-breakpoint
-- A post's tag names, for its search document: kept from post_tags by one statement per change,
-- so an import of thousands of posts refreshes each post once, not once per tag.
CREATE FUNCTION "posts_refresh_tag_names"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "posts" p SET "tag_names" = coalesce(
    (SELECT string_agg(t."name", ' ' ORDER BY t."name") FROM "post_tags" pt JOIN "tags" t ON t."id" = pt."tag_id" WHERE pt."post_id" = p."id"),
    '')
  WHERE p."id" IN (SELECT "post_id" FROM "changed");
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "post_tags_added" AFTER INSERT ON "post_tags" REFERENCING NEW TABLE AS "changed"
  FOR EACH STATEMENT EXECUTE FUNCTION "posts_refresh_tag_names"();--> statement-breakpoint
CREATE TRIGGER "post_tags_removed" AFTER DELETE ON "post_tags" REFERENCING OLD TABLE AS "changed"
  FOR EACH STATEMENT EXECUTE FUNCTION "posts_refresh_tag_names"();--> statement-breakpoint
UPDATE "posts" p SET "tag_names" = coalesce(
  (SELECT string_agg(t."name", ' ' ORDER BY t."name") FROM "post_tags" pt JOIN "tags" t ON t."id" = pt."tag_id" WHERE pt."post_id" = p."id"),
  '');--> statement-breakpoint
-- A deleted comment's replies stay in their thread, marked, before the foreign key empties their parent_id.
CREATE FUNCTION "comments_mark_orphans"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "comments" SET "parent_removed" = true WHERE "parent_id" = OLD."id";
  RETURN OLD;
END $$;--> statement-breakpoint
CREATE TRIGGER "comments_deleted" BEFORE DELETE ON "comments"
  FOR EACH ROW EXECUTE FUNCTION "comments_mark_orphans"();
