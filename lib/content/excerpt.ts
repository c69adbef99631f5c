/** Plain text of the opening of a Markdown body, cut at a word boundary, for lists and feeds. */
export function excerptFromMarkdown(markdown: string, maxLength = 240): string {
  const prose = markdown
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    // Headings, tables and images say little out of context: an excerpt is the opening prose.
    .filter((block) => block !== '' && !/^(#{1,6}\s|\||!\[)/.test(block))
    .map((block) =>
      block
        .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/`([^`]*)`/g, '$1')
        .replace(/^\s{0,3}(>|[-*+]|\d+\.)\s+/gm, '')
        .replace(/(\*\*|__|\*|_|~~)(\S(?:.*?\S)?)\1/g, '$2')
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
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
