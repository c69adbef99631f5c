ALTER TABLE "comments" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "comments" ADD COLUMN "source_id" text;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "source_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "comments_source_key" ON "comments" USING btree ("source","source_id");--> statement-breakpoint
CREATE UNIQUE INDEX "posts_source_key" ON "posts" USING btree ("source","source_id");