import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/**
 * What search reads of a post: title and tag names weigh most, then the body. Kept by PostgreSQL
 * itself (a generated column), so no writer, import or seed can let it drift from the post.
 */
const SEARCH_DOCUMENT = sql`setweight(to_tsvector('english', coalesce("title", '')), 'A') || setweight(to_tsvector('english', coalesce("tag_names", '')), 'A') || setweight(to_tsvector('english', coalesce("body", '')), 'B')`;

export const postStatus = pgEnum('post_status', ['draft', 'published']);
/** owner: everything; editor: everything but people; author: their own posts (lib/accounts/roles.ts). */
export const userRole = pgEnum('user_role', ['owner', 'editor', 'author']);

/**
 * The people who write and run the blog. An e-mail address is stored lowercased and names one
 * account; there is at most one owner. A removed account keeps its row, so its posts keep their
 * byline, but it can no longer sign in.
 */
export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: userRole('role').notNull(),
    /** scrypt, with its parameters and salt (lib/accounts/passwords.ts). */
    passwordHash: text('password_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    removedAt: timestamp('removed_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    uniqueIndex('users_one_owner')
      .on(t.role)
      .where(sql`${t.role} = 'owner'`),
  ],
);
export const commentStatus = pgEnum('comment_status', ['pending', 'published', 'spam']);

export const posts = pgTable(
  'posts',
  {
    id: serial('id').primaryKey(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    /** Markdown source; rendered and sanitized when a page is rendered. */
    body: text('body').notNull(),
    status: postStatus('status').notNull().default('draft'),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** The publication time whose arrival has been announced to the caches (db/scheduled.ts). */
    announcedAt: timestamp('announced_at', { withTimezone: true, mode: 'date' }),
    /** The post's tag names, space-separated: kept by a trigger on post_tags (drizzle/0004), for search. */
    tagNames: text('tag_names').notNull().default(''),
    search: tsvector('search').notNull().generatedAlwaysAs(SEARCH_DOCUMENT),
    /** Who wrote it; null for posts written before accounts, by the API's token or the shared password. */
    authorId: integer('author_id').references((): AnyPgColumn => users.id, { onDelete: 'set null' }),
    /**
     * Where an imported post came from (e.g. `wordpress:https://old.example`) and its id there:
     * running the same import again finds the post instead of adding it twice. Null for posts written here.
     */
    source: text('source'),
    sourceId: text('source_id'),
  },
  (t) => [
    uniqueIndex('posts_slug_key').on(t.slug),
    // The posts whose publication time is still to be announced: the next-due lookup and the claim.
    index('posts_unannounced_idx')
      .on(t.publishedAt)
      .where(sql`${t.status} = 'published' AND ${t.announcedAt} IS DISTINCT FROM ${t.publishedAt}`),
    check('posts_published_has_date', sql`${t.status} <> 'published' OR ${t.publishedAt} IS NOT NULL`),
    // Every list walks posts newest first, the id breaking ties so pages never overlap: public
    // lists with `status = 'published'` as the index's prefix, the admin's list in the index's own
    // order (drafts first). `desc` in a query means NULLS FIRST; an index built NULLS LAST (drizzle's
    // default for .desc()) cannot give that order and every list page sorted all posts. Not partial:
    // a prepared statement's generic plan compares status with a parameter and could not use it.
    index('posts_status_order_idx').on(t.status, t.publishedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // A tag's page joins its posts by id; with their status and date here, it reads no post row
    // (drizzle has no INCLUDE, so they are trailing key columns: the same index-only lookups).
    index('posts_listing_idx').on(t.id, t.status, t.publishedAt),
    index('posts_search_idx').using('gin', t.search),
    // An author's own posts in the admin, and a byline change's posts.
    index('posts_author_idx').on(t.authorId),
    uniqueIndex('posts_source_key').on(t.source, t.sourceId),
  ],
);

export const tags = pgTable('tags', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
});

export const postTags = pgTable(
  'post_tags',
  {
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    tagId: integer('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.postId, t.tagId] }), index('post_tags_tag_post_idx').on(t.tagId, t.postId)],
);

export const comments = pgTable(
  'comments',
  {
    id: serial('id').primaryKey(),
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    /**
     * The comment this one answers, on the same post (db/writes.ts checks). Deleting it keeps its
     * replies: they stay in their thread under a line saying the comment was removed.
     */
    parentId: integer('parent_id').references((): AnyPgColumn => comments.id, { onDelete: 'set null' }),
    /** Set when the comment it answered was deleted, so the thread still shows where it stood. */
    parentRemoved: boolean('parent_removed').notNull().default(false),
    authorName: text('author_name').notNull(),
    /** Kept for moderation only: no query that feeds a page selects it. */
    authorEmail: text('author_email').notNull(),
    body: text('body').notNull(),
    status: commentStatus('status').notNull().default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** As posts.source and source_id: an imported comment's origin and its id there. */
    source: text('source'),
    sourceId: text('source_id'),
  },
  (t) => [
    uniqueIndex('comments_source_key').on(t.source, t.sourceId),
    // Post pages list published comments oldest first, and lists count them per post.
    index('comments_published_by_post_idx')
      .on(t.postId, t.createdAt, t.id)
      .where(sql`${t.status} = 'published'`),
    // The moderation queue reads by state, newest first (NULLS FIRST, as `desc` in a query means).
    index('comments_status_created_idx').on(t.status, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // The moderation queue of one post, newest first.
    index('comments_status_post_idx').on(t.status, t.postId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // Every comment of a post whatever its state: the duplicate check of each new comment, the
    // posts that have comments (the queue's filter by post), the cascade when a post is deleted.
    index('comments_post_idx').on(t.postId),
    // The replies of a comment: a deleted comment's replies are marked, and a reply's parent is checked.
    index('comments_parent_idx').on(t.parentId),
  ],
);

/**
 * A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy of
 * the table opens no session. Ending a session deletes its row.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    userAgent: text('user_agent').notNull().default(''),
    address: text('address').notNull().default(''),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** One-use links: the owner's first-run setup (role owner, no inviter) and invitations. */
export const invitations = pgTable(
  'invitations',
  {
    id: serial('id').primaryKey(),
    /** SHA-256 of the link's token. */
    tokenHash: text('token_hash').notNull(),
    email: text('email'),
    role: userRole('role').notNull(),
    invitedBy: integer('invited_by').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('invitations_token_key').on(t.tokenHash)],
);

/** The owner's choices that are data, not deployment: kept where every host reads them. */
export const siteSettings = pgTable('site_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * An uploaded image, named by the SHA-256 of the file as sent (lib/media/process.ts). Its copies
 * (full size and narrower ones, re-encoded) are in media_files with MEDIA_STORE=postgres, or in
 * the bucket with MEDIA_STORE=s3. The row is written in the copies' transaction, or after the
 * bucket has them, so it always names copies that exist.
 */
export const media = pgTable('media', {
  hash: text('hash').primaryKey(),
  type: text('type').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  /** The upload's size as sent. */
  bytes: integer('bytes').notNull(),
  originalName: text('original_name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  uploadedBy: integer('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
});

/** The encoded copies of each image, by their file name in the image's address (lib/media/urls.ts). */
export const mediaFiles = pgTable(
  'media_files',
  {
    hash: text('hash')
      .notNull()
      .references(() => media.hash, { onDelete: 'cascade' }),
    file: text('file').notNull(),
    contentType: text('content_type').notNull(),
    bytes: bytea('bytes').notNull(),
  },
  (t) => [primaryKey({ columns: [t.hash, t.file] })],
);

export const mailKind = pgEnum('mail_kind', ['moderation', 'confirm-replies', 'reply', 'invitation']);

/**
 * Mail waiting to be sent, and sent: written by the request that causes it (in its transaction
 * where there is one), sent by a background loop in the server process (lib/mail/sender.ts), so a
 * slow mail server never slows a response. Without SMTP_URL nothing is sent and /admin/mail lists it.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: mailKind('kind').notNull(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    /** Extra headers (List-Unsubscribe on reply notices). */
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Not before: the next attempt after a failure, or a claim by a sender that is sending it now. */
    sendAfter: timestamp('send_after', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    attempts: integer('attempts').notNull().default(0),
    /** The last failure, as the mail server said it (never the SMTP_URL's password). */
    lastError: text('last_error'),
  },
  (t) => [
    index('mail_outbox_due_idx')
      .on(t.sendAfter)
      .where(sql`${t.sentAt} IS NULL`),
    index('mail_outbox_created_idx').on(t.createdAt.desc()),
  ],
);

/**
 * A commenter's wish to hear of replies to their comment. Double opt-in: nothing but the
 * confirmation is sent until its link is opened. The address is never shown on a page.
 */
export const replySubscriptions = pgTable(
  'reply_subscriptions',
  {
    id: serial('id').primaryKey(),
    commentId: integer('comment_id')
      .notNull()
      .references(() => comments.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    /** SHA-256 of the confirmation link's token: the link is mailed once, when asked for. */
    confirmTokenHash: text('confirm_token_hash').notNull(),
    /**
     * The unsubscribe link's token, kept as it is because every reply notice carries it; it can do
     * nothing but stop these notices.
     */
    unsubscribeToken: text('unsubscribe_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true, mode: 'date' }),
    unsubscribedAt: timestamp('unsubscribed_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('reply_subscriptions_comment_key').on(t.commentId),
    uniqueIndex('reply_subscriptions_confirm_key').on(t.confirmTokenHash),
    uniqueIndex('reply_subscriptions_unsubscribe_key').on(t.unsubscribeToken),
  ],
);

/** What happened, in words the statistics can show next to the tags it invalidated. */
export interface InvalidationEvent {
  kind:
    | 'comment-published'
    | 'comment-removed'
    | 'post-created'
    | 'post-edited'
    | 'post-published'
    | 'post-unpublished'
    | 'post-redated'
    | 'post-retagged';
  description: string;
  postId?: number;
  commentId?: number;
  /**
   * Set when the change touched more tags than INVALIDATION_BULK_THRESHOLD and so invalidated the
   * whole site instead: how many tags it touched.
   */
  bulkTags?: number;
}

/**
 * The invalidation outbox: every content change that a visitor can see writes one row here in the
 * same transaction, so an invalidation is exactly as durable as the change. A row is applied (to
 * the shared cache, or to this process's tag manifest) after commit; rows a crash left unapplied
 * are applied at start and by a periodic sweep (db/outbox.ts, lib/invalidation/sweep.ts).
 */
export const invalidations = pgTable(
  'invalidations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tags: text('tags').array().notNull(),
    event: jsonb('event').$type<InvalidationEvent>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** When the invalidation reached the cache (that host's clock); null until then. */
    appliedAt: timestamp('applied_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('invalidations_unapplied_idx')
      .on(t.id)
      .where(sql`${t.appliedAt} IS NULL`),
    index('invalidations_applied_at_idx').on(t.appliedAt),
  ],
);

export type Post = typeof posts.$inferSelect;
export type NewPost = typeof posts.$inferInsert;
export type Tag = typeof tags.$inferSelect;
export type Comment = typeof comments.$inferSelect;
export type NewComment = typeof comments.$inferInsert;
export type CommentStatus = (typeof commentStatus.enumValues)[number];
export type PostStatus = (typeof postStatus.enumValues)[number];
export type UserRole = (typeof userRole.enumValues)[number];
export type User = typeof users.$inferSelect;
export type Media = typeof media.$inferSelect;
export type NewMedia = typeof media.$inferInsert;

export type MailKind = (typeof mailKind.enumValues)[number];
