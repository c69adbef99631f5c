/**
 * Comment bodies are plain text: no Markdown, no HTML. They are split into paragraphs and lines,
 * and bare http(s) URLs become links, as data that components render through React's escaping.
 */
export type CommentSegment = { kind: 'text'; text: string } | { kind: 'link'; href: string; text: string };
export type CommentParagraph = CommentSegment[][];

// Stops before trailing punctuation and brackets that usually close the sentence, not the URL.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}]/gi;

function linkify(line: string): CommentSegment[] {
  const segments: CommentSegment[] = [];
  let last = 0;
  for (const match of line.matchAll(URL_PATTERN)) {
    const start = match.index;
    const href = match[0];
    if (!isSafeHttpUrl(href)) continue;
    if (start > last) segments.push({ kind: 'text', text: line.slice(last, start) });
    segments.push({ kind: 'link', href, text: href.length > 60 ? `${href.slice(0, 57)}…` : href });
    last = start + href.length;
  }
  if (last < line.length) segments.push({ kind: 'text', text: line.slice(last) });
  return segments;
}

function isSafeHttpUrl(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Links the text would show: what the link limit counts, so it counts exactly what readers see. */
export function countLinks(body: string): number {
  return parseCommentText(body)
    .flat(2)
    .filter((segment) => segment.kind === 'link').length;
}

export function parseCommentText(body: string): CommentParagraph[] {
  return body
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => paragraph.split('\n').map(linkify));
}
