CREATE TABLE "invalidations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tags" text[] NOT NULL,
	"event" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"applied_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "invalidations_unapplied_idx" ON "invalidations" USING btree ("id") WHERE "invalidations"."applied_at" IS NULL;--> statement-breakpoint
CREATE INDEX "invalidations_applied_at_idx" ON "invalidations" USING btree ("applied_at");