/*
 * Text for the cards (app/opengraph-image.tsx, app/posts/[slug]/opengraph-image.tsx). Next's
 * ImageResponse draws with the one font it ships (Geist Regular, in next/dist/compiled/@vercel/og)
 * and, for any character that font lacks (an emoji, Greek, CJK…), downloads a font or an emoji
 * image from Google Fonts or a CDN in the middle of the render. A server must not depend on the
 * internet to draw a card — without it the render waits on the network and then fails — so what
 * a card shows is cut down to the characters that font has, and nothing is ever fetched. The full
 * title is still in og:title and the page.
 */

/**
 * The characters Geist Regular has glyphs for, as runs of code points, read from its cmap table;
 * tests/unit/link-preview.test.ts reads the installed font again and fails when they differ.
 */
// prettier-ignore
export const CARD_FONT_RUNS: readonly (readonly [number, number])[] = [
  [0x0020, 0x007e], [0x00a0, 0x00ac], [0x00ae, 0x0113], [0x0116, 0x012b], [0x012e, 0x0137], [0x0139, 0x013e],
  [0x0141, 0x0148], [0x014a, 0x014d], [0x0150, 0x017e], [0x018f, 0x018f], [0x0192, 0x0192], [0x01a0, 0x01a1],
  [0x01af, 0x01b0], [0x01cd, 0x01ce], [0x01e4, 0x01e9], [0x0218, 0x021b], [0x0237, 0x0237], [0x0259, 0x0259],
  [0x02b9, 0x02b9], [0x02bc, 0x02bc], [0x02c6, 0x02c8], [0x02d8, 0x02dd], [0x0300, 0x0304], [0x0306, 0x030c],
  [0x0312, 0x0312], [0x031b, 0x031b], [0x0323, 0x0323], [0x0326, 0x0328], [0x0335, 0x0338], [0x039b, 0x039b],
  [0x03a9, 0x03a9], [0x03bb, 0x03bc], [0x03c0, 0x03c0], [0x03c9, 0x03c9], [0x0400, 0x045f], [0x0462, 0x0463],
  [0x046a, 0x046b], [0x0472, 0x0475], [0x0490, 0x0493], [0x0496, 0x0497], [0x049a, 0x049b], [0x04a2, 0x04a3],
  [0x04ae, 0x04b3], [0x04b6, 0x04b7], [0x04ba, 0x04bb], [0x04c0, 0x04c0], [0x04cf, 0x04cf], [0x04d8, 0x04d9],
  [0x04e2, 0x04e3], [0x04e8, 0x04e9], [0x04ee, 0x04ef], [0x0e3f, 0x0e3f], [0x1e20, 0x1e21], [0x1e80, 0x1e85],
  [0x1e9e, 0x1e9e], [0x1ea0, 0x1ef9], [0x2013, 0x2014], [0x2018, 0x201a], [0x201c, 0x201e], [0x2020, 0x2022],
  [0x2026, 0x2026], [0x2030, 0x2030], [0x2032, 0x2033], [0x2039, 0x203a], [0x2044, 0x2044], [0x2070, 0x2070],
  [0x2074, 0x2079], [0x2080, 0x2089], [0x20aa, 0x20aa], [0x20ac, 0x20ac], [0x20b1, 0x20b1], [0x20b4, 0x20b4],
  [0x20b9, 0x20b9], [0x20bd, 0x20bd], [0x2116, 0x2117], [0x2122, 0x2122], [0x2153, 0x2155], [0x215b, 0x215e],
  [0x2190, 0x2199], [0x219d, 0x219d], [0x21a9, 0x21aa], [0x21b0, 0x21b1], [0x21b3, 0x21b5], [0x21e4, 0x21e5],
  [0x21e7, 0x21e7], [0x2202, 0x2202], [0x2206, 0x2206], [0x220f, 0x220f], [0x2211, 0x2212], [0x221a, 0x221a],
  [0x221e, 0x221e], [0x222b, 0x222b], [0x2236, 0x2236], [0x2248, 0x2248], [0x2260, 0x2260], [0x2264, 0x2265],
  [0x2460, 0x2468], [0x24ea, 0x24ea], [0x24ff, 0x24ff], [0x25b2, 0x25b3], [0x25b6, 0x25b7], [0x25bc, 0x25bd],
  [0x25c0, 0x25c1], [0x25ca, 0x25cc], [0x25cf, 0x25cf], [0x2639, 0x263a], [0x2776, 0x277e], [0x3003, 0x3003],
  [0x301c, 0x301c], [0xa78b, 0xa78c], [0xf8ff, 0xf8ff], [0xfb01, 0xfb02],
];

function drawable(codePoint: number): boolean {
  let low = 0;
  let high = CARD_FONT_RUNS.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [first, last] = CARD_FONT_RUNS[middle]!;
    if (codePoint < first) high = middle - 1;
    else if (codePoint > last) low = middle + 1;
    else return true;
  }
  return false;
}

/**
 * The text as the card can draw it: composed (NFC, so "é" is one character the font has), every
 * run of whitespace one space, and every character the font lacks left out.
 */
export function drawableText(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC').replace(/\s+/gu, ' ')) {
    if (drawable(char.codePointAt(0)!)) out += char;
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

/** At most `max` characters, cut at a word when one ends late enough, with an ellipsis. */
export function clipText(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.!?-]+$/u, '')}…`;
}

/** A font size for a post title of this length, so a short one is big and a long one still fits. */
export function titleFontSize(title: string): number {
  const length = Array.from(title).length;
  if (length <= 30) return 84;
  if (length <= 60) return 68;
  if (length <= 100) return 56;
  return 46;
}

/** Width taken by a tag on the card besides its text: the pill's padding and the gap after it. */
export const TAG_PILL_EXTRA = 46;

/**
 * The tags that fit on the card's last line, in `room` pixels at `fontSize`, and how many are left
 * for a "+N". Satori measures only while drawing, so widths are estimated, a little on the wide side:
 * tag names are lower-case letters, digits and "-", which average under 0.5 em in Geist. A name of
 * wide letters only ("mmmm") may still run past the edge, where it is cut off.
 */
export function tagsThatFit(
  tags: readonly string[],
  room: number,
  fontSize: number,
): { shown: string[]; more: number } {
  const charWidth = fontSize * 0.52;
  const width = (name: string) => (name.length + 1) * charWidth + TAG_PILL_EXTRA;
  const moreWidth = 4 * charWidth;
  const shown: string[] = [];
  let used = 0;
  for (const [i, name] of tags.entries()) {
    const reserve = i < tags.length - 1 ? moreWidth : 0;
    if (used + width(name) + reserve > room) break;
    shown.push(name);
    used += width(name);
  }
  return { shown, more: tags.length - shown.length };
}
