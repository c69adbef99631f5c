import sanitizeHtml from 'sanitize-html';
import { sanitizePostHtml } from '@/lib/content/markdown';

/*
 * A WordPress post's content as a Freshpress body: HTML kept as HTML inside the Markdown, every
 * paragraph an explicit HTML block so Markdown leaves WordPress's text alone (an underscore or a
 * leading `#` in a classic-editor post is text, not emphasis or a heading). Shortcodes become the
 * HTML they stood for, or go; editor block comments go; then the renderer's own sanitising rules
 * apply, so the stored body is what a page will show.
 */

export interface AttachmentRef {
  url: string;
  title: string;
  /** The post the file was uploaded to: a gallery without ids shows these. */
  parentId: string;
}

export interface ContentContext {
  /** The post's own WordPress id, for galleries without ids. */
  postId: string;
  attachments: ReadonlyMap<string, AttachmentRef>;
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function attributes(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of raw.matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s'"\]]+))/g))
    out[match[1]!.toLowerCase()] = match[2] ?? match[3] ?? match[4] ?? '';
  return out;
}

const link = (url: string, text = url) => `<p><a href="${escapeHtml(url)}">${escapeHtml(text)}</a></p>`;
const fileName = (url: string) => decodeURIComponent(url.split(/[?#]/)[0]!.split('/').pop() || url);
const firstUrl = (text: string) => /https?:\/\/[^\s<>"'\]]+/.exec(text)?.[0] ?? null;

function figure(attachment: AttachmentRef): string {
  return `<figure><img src="${escapeHtml(attachment.url)}" alt="${escapeHtml(attachment.title)}"></figure>`;
}

function galleryItems(attrs: Record<string, string>, context: ContentContext): AttachmentRef[] {
  const ids = (attrs.ids ?? attrs.include ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length > 0) return ids.flatMap((id) => context.attachments.get(id) ?? []);
  return [...context.attachments.values()].filter((a) => a.parentId === context.postId);
}

type Handler = (attrs: Record<string, string>, inner: string | null, context: ContentContext) => string;

const media: Handler = (attrs, inner) => {
  const url =
    attrs.src ??
    ['mp3', 'm4a', 'ogg', 'wav', 'mp4', 'webm', 'ogv', 'wmv', 'flv', 'm4v'].map((k) => attrs[k]).find(Boolean) ??
    firstUrl(inner ?? '');
  return url ? link(url, fileName(url)) : '';
};

const embed: Handler = (attrs, inner) => {
  const url = firstUrl(inner ?? '') ?? attrs.url ?? attrs.src ?? null;
  return url ? link(url) : '';
};

/** WordPress's own shortcodes, and the common plugins' embeds; the rest keep their content only. */
const HANDLERS: Record<string, Handler> = {
  caption: (attrs, inner) => {
    const body = inner ?? '';
    // The caption is the text after the image (or its link), or the older `caption` attribute.
    const end = Math.max(body.lastIndexOf('>'), 0);
    const mediaPart = end > 0 ? body.slice(0, end + 1) : '';
    const text = (attrs.caption ?? body.slice(end > 0 ? end + 1 : 0)).trim();
    return `<figure>${mediaPart}${text ? `<figcaption>${text}</figcaption>` : ''}</figure>`;
  },
  gallery: (attrs, _inner, context) => galleryItems(attrs, context).map(figure).join('\n'),
  playlist: (attrs, _inner, context) =>
    galleryItems(attrs, context)
      .map((a) => link(a.url, a.title || fileName(a.url)))
      .join('\n'),
  embed,
  audio: media,
  video: media,
  youtube: embed,
  vimeo: embed,
  soundcloud: embed,
  tweet: embed,
  twitter: embed,
  instagram: embed,
  spotify: embed,
  sourcecode: (attrs, inner) => {
    const lang = (attrs.language ?? attrs.lang ?? '').replace(/[^\w-]/g, '');
    return `<pre><code${lang ? ` class="language-${lang}"` : ''}>${escapeHtml(inner ?? '')}</code></pre>`;
  },
};
HANDLERS.wp_caption = HANDLERS.caption!;
HANDLERS.code = HANDLERS.sourcecode!;
HANDLERS.source = HANDLERS.sourcecode!;

const ESCAPED = '\u0000esc';

/**
 * Replaces every shortcode: the known ones by their HTML, an unknown one with content by that
 * content, an unknown one alone (`[contact-form-7 id="4"]`) by nothing. Brackets that are not a
 * shortcode ("[sic]", "[1]") stay. `[[gallery]]` is WordPress's way of writing the text `[gallery]`.
 */
export function replaceShortcodes(content: string, context: ContentContext): string {
  const escaped: string[] = [];
  let text = content.replace(/\[\[([^[\]]+)\]\]/g, (_all, inner: string) => {
    escaped.push(`[${inner}]`);
    return `${ESCAPED}${escaped.length - 1}\u0000`;
  });
  // Innermost first: a caption inside a gallery's text, a shortcode inside another's content.
  for (let pass = 0; pass < 5; pass++) {
    const before = text;
    // An enclosing pair: [name attrs]content[/name], content holding no other shortcode of that name.
    text = text.replace(
      /\[([a-z][\w-]*)((?:\s[^\]]*)?)\]((?:(?!\[\/?\1[\s\]])[\s\S])*?)\[\/\1\]/gi,
      (_all, name: string, attrs: string, inner: string) => {
        const handler = HANDLERS[name.toLowerCase()];
        return handler ? handler(attributes(attrs), inner, context) : inner;
      },
    );
    if (text === before) break;
  }
  // Alone: a known name with or without attributes, or any name with attributes or a closing slash.
  text = text.replace(/\[([a-z][\w-]*)((?:\s[^\]]*)?)\/?\]/gi, (all, name: string, attrs: string) => {
    const handler = HANDLERS[name.toLowerCase()];
    if (handler) return handler(attributes(attrs), null, context);
    return /=|\/$/.test(attrs.trim()) || all.endsWith('/]') ? '' : all;
  });
  // A closing tag left without its opening (`[/caption]` after a broken pair) is never text.
  text = text.replace(/\[\/[a-z][\w-]*\]/gi, '');
  return text.replace(new RegExp(`${ESCAPED}(\\d+)\\u0000`, 'g'), (_all, i: string) => escaped[Number(i)]!);
}

const BLOCK_START =
  /^<(?:p|div|h[1-6]|ul|ol|li|dl|blockquote|pre|figure|table|hr|section|article|aside|header|footer|nav|address|details|iframe|form|fieldset|center|video|audio)\b/i;

/**
 * WordPress's `wpautop`, simply: text separated by blank lines is paragraphs, single newlines are
 * line breaks, a chunk that starts with a block element stays as it is, and a <pre> keeps its blank lines.
 */
export function paragraphs(html: string): string {
  const chunks: string[] = [];
  const parts = html.split(/(<pre\b[\s\S]*?<\/pre>)/i);
  for (const [i, part] of parts.entries()) {
    if (i % 2 === 1) {
      chunks.push(part);
      continue;
    }
    for (const raw of part.split(/\n\s*\n/)) {
      const chunk = raw.trim();
      if (chunk === '') continue;
      chunks.push(BLOCK_START.test(chunk) ? chunk : `<p>${chunk.replace(/\s*\n\s*/g, '<br>\n')}</p>`);
    }
  }
  return chunks.join('\n\n');
}

/** A post's content, as WordPress exported it, as the body of a Freshpress post. */
export function wordpressBody(content: string, context: ContentContext): string {
  const text = content
    .replace(/\r\n?/g, '\n')
    .replace(/\u0000/g, '')
    // Editor block markers (<!-- wp:paragraph -->), <!--more-->, and every other comment.
    .replace(/<!--[\s\S]*?-->/g, '')
    // Sanitising would drop them anyway; gone first, they leave no empty line break behind.
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '');
  const withMedia = replaceShortcodes(text, context)
    // A URL alone on its line is an embed in WordPress: here a link.
    .replace(
      /^[ \t]*(https?:\/\/[^\s<>"]+)[ \t]*$/gm,
      (_all, url: string) => `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`,
    );
  // Sanitised per chunk: the renderer's rules, but each paragraph stays a block of its own.
  return paragraphs(withMedia)
    .split('\n\n')
    .map((chunk) => sanitizePostHtml(chunk).trim())
    .filter((chunk) => chunk !== '' && chunk !== '<p></p>')
    .join('\n\n');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : Number(entity.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[entity.toLowerCase()] ?? all;
  });
}

/**
 * A WordPress comment (a little HTML) as a Freshpress comment, which is plain text: paragraphs and
 * line breaks kept, a link's address kept beside its words, every tag and script gone.
 */
export function wordpressCommentText(html: string): string {
  const marked = html
    .replace(/\r\n?/g, '\n')
    .replace(/\u0000/g, '')
    .replace(/<a\b[^>]*\bhref\s*=\s*["']([^"']+)["'][^>]*>([\s\S]*?)<\/a>/gi, (_all, href: string, text: string) =>
      text.trim() === href.trim() ? href : `${text} (${href})`,
    )
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*/gi, '\n\n');
  const stripped = sanitizeHtml(marked, { allowedTags: [], allowedAttributes: {} });
  return decodeEntities(stripped)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
