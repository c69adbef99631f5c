-- A post's tag names are written with the post where the writer knows them (an import, db/grow.ts);
-- the trigger then rewrites only the posts whose names it finds different, since every rewrite
-- computes the post's search document and its index entries again.
CREATE OR REPLACE FUNCTION "posts_refresh_tag_names"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "posts" p SET "tag_names" = fresh."names"
  FROM (
    SELECT c."post_id",
      coalesce((SELECT string_agg(t."name", ' ' ORDER BY t."name") FROM "post_tags" pt JOIN "tags" t ON t."id" = pt."tag_id" WHERE pt."post_id" = c."post_id"), '') AS "names"
    FROM (SELECT DISTINCT "post_id" FROM "changed") c
  ) fresh
  WHERE p."id" = fresh."post_id" AND p."tag_names" IS DISTINCT FROM fresh."names";
  RETURN NULL;
END $$;
