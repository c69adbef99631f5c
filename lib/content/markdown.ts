import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { config } from '@/lib/core/config';
import { ARTICLE_SIZES, parseFullSizeUrl, srcsetOf } from '@/lib/media/urls';

// A private instance: marked's global options are shared module state, and a plugin set elsewhere
// must not change how posts render.
const markdown = new Marked({ gfm: true, breaks: false, async: false });

/**
 * An uploaded image (its address says its size and its copies, lib/media/urls.ts) gets every copy
 * in a srcset and its size, so the browser fetches the copy the screen needs and keeps the space
 * before it arrives. Any other image keeps its address, alt, title and size as written; a srcset
 * or sizes of the author's own is dropped, so only this rule ever writes them.
 */
function imageAttributes(attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes {
  const { srcset: _srcset, sizes: _sizes, decoding: _decoding, ...kept } = attribs;
  const upload = parseFullSizeUrl(attribs.src ?? '');
  if (!upload) return { ...kept, loading: 'lazy' };
  return {
    ...kept,
    srcset: srcsetOf(upload),
    sizes: ARTICLE_SIZES,
    width: String(upload.width),
    height: String(upload.height),
    loading: 'lazy',
    decoding: 'async',
  };
}

const allowed: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== 'h1'), 'img', 'del', 'input'],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'srcset', 'sizes', 'alt', 'title', 'width', 'height', 'loading', 'decoding'],
    code: ['class'],
    input: ['type', 'checked', 'disabled'],
    th: ['align'],
    td: ['align'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedClasses: { code: [/^language-[\w-]+$/] },
  transformTags: {
    // The page title is the only h1; a post's own top-level headings step down one level.
    h1: 'h2',
    img: (tagName, attribs) => ({ tagName, attribs: imageAttributes(attribs) }),
    a: (tagName, attribs) => {
      const external = /^https?:\/\//i.test(attribs.href ?? '');
      return { tagName, attribs: external ? { ...attribs, rel: 'noopener noreferrer' } : attribs };
    },
  },
};

/**
 * HTML that goes into a post body from elsewhere (an import), cleaned by the same rules a page
 * renders with: what is stored is what readers will see, and no excerpt or search shows the text
 * of a script that the page would have dropped.
 */
export function sanitizePostHtml(html: string): string {
  return sanitizeHtml(html, allowed);
}

/**
 * Post bodies are written by the blog's authors, but they are still sanitized: a pasted snippet
 * with a <script> or an onerror= must not run in every reader's browser.
 */
export function renderMarkdown(source: string): string {
  const html = markdown.parse(source) as string;
  return config.FRESHPRESS_FAULT === 'unsanitised-posts' ? html : sanitizeHtml(html, allowed);
}
