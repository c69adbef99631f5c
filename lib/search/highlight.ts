/*
 * Highlights from ts_headline, made safe to show. PostgreSQL marks each matching word with
 * StartSel/StopSel and returns the rest of the text as it was, so those markers are two control
 * characters that cannot occur in the text: every control is removed from the title and excerpt
 * before they reach ts_headline (withoutControls) and from the query (./input.ts). The page never
 * writes the result as HTML: it splits it at the markers into segments that React renders as text,
 * the marked ones inside <mark>, so a `<script>` in a post, a title or a query stays text.
 */

export const MARK_START = '\u0002';
export const MARK_STOP = '\u0003';

export interface Segment {
  text: string;
  marked: boolean;
}

// Every C0 and C1 control and DEL: the markers are among them.
const CONTROLS = /[\u0000-\u001F\u007F-\u009F]/g;
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

/** Text with every control character (the markers included) made a space, for ts_headline's input. */
export function withoutControls(text: string): string {
  return text.replace(CONTROLS, ' ');
}

/** ts_headline's options for a title (every match marked) and for an excerpt of a body. */
export const TITLE_HEADLINE_OPTIONS = `StartSel="${MARK_START}", StopSel="${MARK_STOP}", HighlightAll=true`;
export const EXCERPT_HEADLINE_OPTIONS =
  `StartSel="${MARK_START}", StopSel="${MARK_STOP}", ` +
  'MaxFragments=2, MaxWords=30, MinWords=12, ShortWord=3, FragmentDelimiter=" … "';

/** Text marked by ts_headline, as plain and marked runs; a stray or unbalanced marker marks nothing more. */
export function highlightSegments(headline: string): Segment[] {
  const segments: Segment[] = [];
  let marked = false;
  let text = '';
  const flush = () => {
    if (text === '') return;
    const last = segments.at(-1);
    if (last && last.marked === marked) last.text += text;
    else segments.push({ text, marked });
    text = '';
  };
  for (const character of headline) {
    if (character === MARK_START || character === MARK_STOP) {
      flush();
      marked = character === MARK_START;
    } else if (!CONTROL.test(character)) {
      text += character;
    }
  }
  flush();
  return segments;
}

/** The text without its markers: what a reader sees. */
export function plainHeadline(headline: string): string {
  return highlightSegments(headline)
    .map((segment) => segment.text)
    .join('');
}

/**
 * An excerpt from ts_headline's fragments of `text`, with "…" where it leaves text out: before a
 * first fragment that is not the opening, after a last one that is not the end. (The fragments
 * are joined with " … " by ts_headline itself.)
 */
export function framedExcerpt(headline: string, text: string): string {
  const shown = plainHeadline(headline).trim();
  if (shown === '') return '';
  const fragments = shown.split(' … ');
  const lead = text.trimStart().startsWith(fragments[0]!) ? '' : '… ';
  const tail = text.trimEnd().endsWith(fragments.at(-1)!) ? '' : ' …';
  return `${lead}${headline.trim()}${tail}`;
}
