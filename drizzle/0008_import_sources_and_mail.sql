CREATE TYPE "public"."mail_kind" AS ENUM('moderation', 'confirm-replies', 'reply', 'invitation');--> statement-breakpoint
CREATE TABLE "mail_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" "mail_kind" NOT NULL,
	"to" text NOT NULL,
	"subject" text NOT NULL,
	"text" text NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"send_after" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "reply_subscriptions" (
	"id" serial PRIMARY KEY NOT NULL,
	"comment_id" integer NOT NULL,
	"email" text NOT NULL,
	"confirm_token_hash" text NOT NULL,
	"unsubscribe_token" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmed_at" timestamp with time zone,
	"unsubscribed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "comments" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "comments" ADD COLUMN "source_id" text;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "posts" ADD COLUMN "source_id" text;--> statement-breakpoint
ALTER TABLE "reply_subscriptions" ADD CONSTRAINT "reply_subscriptions_comment_id_comments_id_fk" FOREIGN KEY ("comment_id") REFERENCES "public"."comments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mail_outbox_due_idx" ON "mail_outbox" USING btree ("send_after") WHERE "mail_outbox"."sent_at" IS NULL;--> statement-breakpoint
CREATE INDEX "mail_outbox_created_idx" ON "mail_outbox" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "reply_subscriptions_comment_key" ON "reply_subscriptions" USING btree ("comment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reply_subscriptions_confirm_key" ON "reply_subscriptions" USING btree ("confirm_token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "reply_subscriptions_unsubscribe_key" ON "reply_subscriptions" USING btree ("unsubscribe_token");--> statement-breakpoint
CREATE UNIQUE INDEX "comments_source_key" ON "comments" USING btree ("source","source_id");--> statement-breakpoint
CREATE UNIQUE INDEX "posts_source_key" ON "posts" USING btree ("source","source_id");