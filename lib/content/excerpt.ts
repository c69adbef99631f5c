/** A block's inline Markdown as the words a reader sees: links and emphasis kept as their text. */
function inlineText(block: string): string {
  return block
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/^\s{0,3}(>|[-*+]|\d+\.)\s+/gm, '')
    .replace(/(\*\*|__|\*|_|~~)(\S(?:.*?\S)?)\1/g, '$2')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Plain text of the opening of a Markdown body, cut at a word boundary, for lists and feeds. */
export function excerptFromMarkdown(markdown: string, maxLength = 240): string {
  const prose = markdown
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    // Headings, tables and images say little out of context: an excerpt is the opening prose.
    .filter((block) => block !== '' && !/^(#{1,6}\s|\||!\[)/.test(block))
    .map(inlineText)
    .filter((block) => block !== '')
    .join(' ');
  if (prose.length <= maxLength) return prose;
  const cut = prose.slice(0, maxLength + 1);
  const lastSpace = cut.lastIndexOf(' ');
  const words = (lastSpace > maxLength * 0.6 ? cut.slice(0, lastSpace) : cut.slice(0, maxLength)).replace(
    /[\s,;:.!?-]+$/,
    '',
  );
  return `${words}…`;
}

/**
 * The whole of a Markdown body as the plain text a reader sees, on one line, for search excerpts:
 * every word that search can match is kept, so a match anywhere can be shown — headings without
 * their #, table cells without their pipes, code blocks as their text, images as their alt text —
 * and no Markdown or HTML syntax is left to show as such.
 */
export function plainTextFromMarkdown(markdown: string): string {
  return markdown
    .replace(/\r\n?/g, '\n')
    .replace(/^\s{0,3}(```|~~~)[^\n]*$/gm, '\n')
    .split(/\n\s*\n/)
    .map((block) =>
      inlineText(
        block
          .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
          // A heading reads as a sentence of its own, not as the start of the paragraph after it.
          .replace(/^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/gm, (_, heading: string) =>
            /[.!?:;…]$/.test(heading) ? heading : `${heading}.`,
          )
          // A table's rule row goes, and its rows' pipes.
          .replace(/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/gm, '')
          .replace(/^\s*\|.*$/gm, (row) => row.replace(/\|/g, ' ')),
      ),
    )
    .filter((block) => block !== '')
    .join(' ')
    .replace(ENTITY, decodeEntity);
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const ENTITY = /&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|(amp|lt|gt|quot|apos|nbsp));/gi;

/** `&amp;`, `&#8212;`: the character an HTML entity stands for (an impossible code point stays as written). */
function decodeEntity(entity: string, decimal?: string, hex?: string, name?: string): string {
  if (name) return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
  const code = decimal ? Number(decimal) : Number.parseInt(hex ?? '', 16);
  return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : entity;
}
