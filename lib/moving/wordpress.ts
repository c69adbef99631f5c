import { XMLParser } from 'fast-xml-parser';
import type { Archive, ArchiveAuthor, ArchiveComment, ArchivePost, Skipped } from './archive';
import { isValidName, toSlug, toTagName } from './names';
import { wordpressBody, wordpressCommentText, type AttachmentRef } from './wordpress-html';

/*
 * A WordPress export (WXR 1.x, what Tools → Export writes) read into an archive. Only posts of type
 * `post` become posts; pages, attachments, menu items and the rest are reported, as are comments
 * that were not approved and anything that cannot be read. Nothing here touches the database.
 */

const ARRAYS = new Set(['item', 'wp:author', 'wp:comment', 'category', 'wp:postmeta', 'wp:category', 'wp:tag']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Every value stays the text it was: a post named "0123" or "true" is not a number or a boolean.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ARRAYS.has(name),
});

type Node = Record<string, unknown>;

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && '#text' in value) return text((value as Node)['#text']);
  return '';
}

const list = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : []);

/** WordPress writes "0000-00-00 00:00:00" for a date it never set (a draft's publication time). */
function wordpressDate(gmt: string, local: string): Date | null {
  for (const candidate of [gmt, local]) {
    const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(candidate.trim());
    if (!match || match[1] === '0000') continue;
    const date = new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return null;
}

/** WordPress's placeholder category for "none": as a tag page it would gather every old post. */
const PLACEHOLDER_CATEGORY = 'uncategorized';
const MAX_TAGS = 12;
const MAX_TITLE = 200;

export class UnreadableExport extends Error {}

export function readWordPressExport(xml: string, now = new Date()): Archive {
  let document: Node;
  try {
    document = parser.parse(xml) as Node;
  } catch (error) {
    throw new UnreadableExport(`The file is not well-formed XML: ${(error as Error).message}`);
  }
  const channel = (document.rss as Node | undefined)?.channel as Node | undefined;
  if (!channel || !('wp:wxr_version' in channel))
    throw new UnreadableExport(
      'The file is not a WordPress export (no <rss><channel> with <wp:wxr_version>): export it from Tools → Export.',
    );
  const site = (text(channel['wp:base_blog_url']) || text(channel['wp:base_site_url']) || text(channel.link)).replace(
    /\/+$/,
    '',
  );
  const skipped: Skipped[] = [];
  const notes: string[] = [];

  const authors: ArchiveAuthor[] = [];
  for (const node of list(channel['wp:author'])) {
    const login = text(node['wp:author_login']);
    if (!login) continue;
    const email = text(node['wp:author_email']).trim().toLowerCase();
    const name = text(node['wp:author_display_name']).trim() || login;
    // An author without an address still needs one to be an account: one that can receive no mail.
    const address = /^[^\s@]+@[^\s@]+$/.test(email) ? email : `${toSlug(login) || 'author'}@imported.invalid`;
    if (address !== email) notes.push(`author ${login} has no e-mail address in the export: stored as ${address}`);
    authors.push({ key: login, email: address, name: name.slice(0, 80) });
  }
  const authorKeys = new Set(authors.map((a) => a.key));

  const items = list(channel.item);
  const attachments = new Map<string, AttachmentRef>();
  for (const item of items) {
    if (text(item['wp:post_type']) !== 'attachment') continue;
    const url = text(item['wp:attachment_url']) || text(item.guid);
    if (url)
      attachments.set(text(item['wp:post_id']), {
        url,
        title: text(item.title),
        parentId: text(item['wp:post_parent']),
      });
  }

  const posts: ArchivePost[] = [];
  const comments: ArchiveComment[] = [];
  const typesSkipped = new Map<string, number>();
  for (const item of items) {
    const id = text(item['wp:post_id']);
    const type = text(item['wp:post_type']) || 'post';
    const title = text(item.title).trim();
    const label = `${type} ${id || '?'}${title ? ` “${title.slice(0, 60)}”` : ''}`;
    if (type !== 'post') {
      // Attachments are referenced by the posts that use them, not imported as posts.
      if (type !== 'attachment') skipped.push({ what: label, reason: `a ${type}, not a post` });
      typesSkipped.set(type, (typesSkipped.get(type) ?? 0) + 1);
      continue;
    }
    if (!/^\d+$/.test(id)) {
      skipped.push({ what: label, reason: 'no wp:post_id, so it could not be imported again without doubling' });
      continue;
    }
    const wpStatus = text(item['wp:status']) || 'draft';
    const status =
      wpStatus === 'publish' || wpStatus === 'future'
        ? 'published'
        : ['draft', 'pending', 'private'].includes(wpStatus)
          ? 'draft'
          : null;
    if (!status) {
      skipped.push({ what: label, reason: `status ${wpStatus}` });
      continue;
    }
    const content = text(item['content:encoded']);
    if (status === 'draft' && !title && !content.trim()) {
      skipped.push({ what: label, reason: 'an empty draft' });
      continue;
    }
    const date = wordpressDate(text(item['wp:post_date_gmt']), text(item['wp:post_date']));
    const publishedAt = status === 'published' ? (date ?? now) : null;
    if (wpStatus === 'future' && publishedAt && publishedAt <= now)
      notes.push(`${label} was scheduled for ${publishedAt.toISOString()}, which has passed: it is published`);
    const modified = wordpressDate(text(item['wp:post_modified_gmt']), text(item['wp:post_modified']));

    const tagNames: string[] = [];
    for (const category of list(item.category)) {
      const domain = text(category['@_domain']);
      if (domain !== 'category' && domain !== 'post_tag') continue;
      const name = toTagName(text(category['@_nicename']) || text(category));
      if (!isValidName(name)) {
        notes.push(
          `${label}: the ${domain === 'category' ? 'category' : 'tag'} “${text(category)}” has no usable name`,
        );
        continue;
      }
      if (domain === 'category' && name === PLACEHOLDER_CATEGORY) continue;
      if (!tagNames.includes(name)) tagNames.push(name);
    }
    if (tagNames.length > MAX_TAGS)
      notes.push(
        `${label}: ${tagNames.length} categories and tags, kept the first ${MAX_TAGS} (${tagNames.slice(MAX_TAGS).join(', ')} left out)`,
      );

    const rawSlug = text(item['wp:post_name']);
    const slug = toSlug(rawSlug) || toSlug(title) || `post-${id}`;
    const creator = text(item['dc:creator']);
    posts.push({
      sourceId: id,
      slug,
      title: (title || `Untitled (WordPress post ${id})`).replace(/\u0000/g, '').slice(0, MAX_TITLE),
      body: wordpressBody(content, { postId: id, attachments }),
      status,
      publishedAt,
      updatedAt: modified ?? date,
      tags: tagNames.slice(0, MAX_TAGS).sort(),
      authorKey: authorKeys.has(creator) ? creator : null,
    });
    if (creator && !authorKeys.has(creator))
      notes.push(`${label}: its author ${creator} is not among the export's authors`);

    comments.push(...readComments(item, id, label, skipped));
  }
  return {
    source: `wordpress:${site}`,
    authors,
    posts,
    comments,
    attachments: attachmentList(attachments),
    skipped,
    notes,
  };
}

function attachmentList(attachments: Map<string, AttachmentRef>) {
  return [...attachments].map(([sourceId, a]) => ({ sourceId, url: a.url }));
}

const COMMENT_SKIPS: Record<string, string> = {
  '0': 'pending: it was waiting for moderation',
  spam: 'spam',
  trash: 'in the trash',
  'post-trashed': 'its post was in the trash',
};

function readComments(item: Node, postId: string, postLabel: string, skipped: Skipped[]): ArchiveComment[] {
  const approved: ArchiveComment[] = [];
  const nodes = list(item['wp:comment']);
  const kept = new Set<string>();
  for (const node of nodes) {
    const id = text(node['wp:comment_id']);
    const what = `comment ${id || '?'} on ${postLabel}`;
    const state = text(node['wp:comment_approved']);
    const type = text(node['wp:comment_type']);
    if (state !== '1') {
      skipped.push({ what, reason: COMMENT_SKIPS[state] ?? `not approved (${state || 'no state'})` });
      continue;
    }
    if (type === 'pingback' || type === 'trackback') {
      skipped.push({ what, reason: `a ${type}, not a comment` });
      continue;
    }
    if (!/^\d+$/.test(id)) {
      skipped.push({ what, reason: 'no wp:comment_id' });
      continue;
    }
    const body = wordpressCommentText(text(node['wp:comment_content']));
    if (!body) {
      skipped.push({ what, reason: 'empty once its HTML was removed' });
      continue;
    }
    const parent = text(node['wp:comment_parent']);
    kept.add(id);
    approved.push({
      sourceId: id,
      postSourceId: postId,
      parentSourceId: parent && parent !== '0' ? parent : null,
      parentRemoved: false,
      authorName: (text(node['wp:comment_author']).trim() || 'Anonymous').slice(0, 80),
      authorEmail: text(node['wp:comment_author_email']).trim().toLowerCase().slice(0, 254),
      body: body.slice(0, 5000),
      status: 'published',
      createdAt: wordpressDate(text(node['wp:comment_date_gmt']), text(node['wp:comment_date'])) ?? new Date(0),
    });
  }
  // A reply whose parent was left out says it answered a removed comment, as after a deletion.
  for (const comment of approved)
    if (comment.parentSourceId && !kept.has(comment.parentSourceId)) {
      comment.parentSourceId = null;
      comment.parentRemoved = true;
    }
  return approved;
}
