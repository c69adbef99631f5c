DROP INDEX "posts_published_order_idx";--> statement-breakpoint
DROP INDEX "comments_status_created_idx";--> statement-breakpoint
CREATE INDEX "comments_status_post_idx" ON "comments" USING btree ("status","post_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "comments_post_idx" ON "comments" USING btree ("post_id");--> statement-breakpoint
CREATE INDEX "posts_status_order_idx" ON "posts" USING btree ("status","published_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "posts_listing_idx" ON "posts" USING btree ("id","status","published_at");--> statement-breakpoint
CREATE INDEX "comments_status_created_idx" ON "comments" USING btree ("status","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);