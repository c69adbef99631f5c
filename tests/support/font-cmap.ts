import { readFileSync } from 'node:fs';

/*
 * The characters a TrueType font has glyphs for, read from its `cmap` table (the Unicode subtable,
 * format 4 or 12): what a renderer such as Satori finds in it, and what it must fetch elsewhere.
 */

function tableOffset(font: Buffer, name: string): number {
  const tables = font.readUInt16BE(4);
  for (let i = 0; i < tables; i++) {
    const record = 12 + i * 16;
    if (font.toString('latin1', record, record + 4) === name) return font.readUInt32BE(record + 8);
  }
  throw new Error(`the font has no ${name} table`);
}

function format4(font: Buffer, at: number, out: Set<number>): void {
  const segX2 = font.readUInt16BE(at + 6);
  const ends = at + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const offsets = deltas + segX2;
  for (let i = 0; i < segX2 / 2; i++) {
    const end = font.readUInt16BE(ends + 2 * i);
    const start = font.readUInt16BE(starts + 2 * i);
    const delta = font.readInt16BE(deltas + 2 * i);
    const rangeOffset = font.readUInt16BE(offsets + 2 * i);
    for (let code = start; code <= end && code !== 0xffff; code++) {
      let glyph: number;
      if (rangeOffset === 0) glyph = (code + delta) & 0xffff;
      else {
        glyph = font.readUInt16BE(offsets + 2 * i + rangeOffset + 2 * (code - start));
        if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
      }
      if (glyph !== 0) out.add(code);
    }
  }
}

function format12(font: Buffer, at: number, out: Set<number>): void {
  const groups = font.readUInt32BE(at + 12);
  for (let i = 0; i < groups; i++) {
    const group = at + 16 + i * 12;
    const start = font.readUInt32BE(group);
    const end = font.readUInt32BE(group + 4);
    const firstGlyph = font.readUInt32BE(group + 8);
    for (let code = start; code <= end; code++) if (firstGlyph + (code - start) !== 0) out.add(code);
  }
}

/** Every code point the font maps to a glyph other than .notdef. */
export function fontCodePoints(file: string): Set<number> {
  const font = readFileSync(file);
  const cmap = tableOffset(font, 'cmap');
  const out = new Set<number>();
  const subtables = font.readUInt16BE(cmap + 2);
  for (let i = 0; i < subtables; i++) {
    const record = cmap + 4 + i * 8;
    const platform = font.readUInt16BE(record);
    const encoding = font.readUInt16BE(record + 2);
    // Unicode: platform 0, or Windows (3) with BMP (1) or full (10) repertoire.
    if (!(platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10)))) continue;
    const at = cmap + font.readUInt32BE(record + 4);
    const format = font.readUInt16BE(at);
    if (format === 4) format4(font, at, out);
    else if (format === 12) format12(font, at, out);
  }
  return out;
}

/** Code points as [first, last] runs. */
export function runsOf(points: Iterable<number>): [number, number][] {
  const runs: [number, number][] = [];
  for (const point of [...points].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && last[1] === point - 1) last[1] = point;
    else runs.push([point, point]);
  }
  return runs;
}
