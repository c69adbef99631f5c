import { MAX_SLUG_LENGTH, MAX_TAG_LENGTH, NAME_PATTERN } from '@/lib/core/route-params';

/*
 * Names from elsewhere made to fit Freshpress's rules for slugs and tag names (lib/core/route-params.ts:
 * a-z, 0-9 and single hyphens). WordPress keeps non-ASCII slugs percent-encoded and allows
 * underscores, capitals and trailing hyphens; accents are dropped rather than the letter.
 */

export function toName(raw: string, maxLength: number): string {
  let text = raw;
  try {
    text = decodeURIComponent(raw);
  } catch {
    // A stray % is just a character.
  }
  const plain = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (plain.length <= maxLength) return plain;
  // Cut at a hyphen when one is near the end, so a word is not halved.
  const cut = plain.slice(0, maxLength);
  const hyphen = cut.lastIndexOf('-');
  return (hyphen > maxLength * 0.6 ? cut.slice(0, hyphen) : cut).replace(/-+$/, '');
}

export const toSlug = (raw: string) => toName(raw, MAX_SLUG_LENGTH);
export const toTagName = (raw: string) => toName(raw, MAX_TAG_LENGTH);
export const isValidName = (name: string) => NAME_PATTERN.test(name);

/**
 * `wanted`, or `wanted-2`, `-3`… : the first not in `taken`, within the slug length.
 * Adds the result to `taken`, so a batch's own slugs stay apart too.
 */
export function uniqueSlug(wanted: string, taken: Set<string>): string {
  let candidate = wanted;
  for (let n = 2; taken.has(candidate); n++) {
    const suffix = `-${n}`;
    candidate = `${wanted.slice(0, MAX_SLUG_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
  }
  taken.add(candidate);
  return candidate;
}
