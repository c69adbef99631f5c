/*
 * A strict reader of the sitemap protocol's two documents (https://www.sitemaps.org/protocol.html):
 * a <urlset> of <url> or a <sitemapindex> of <sitemap>. It accepts only well-formed XML of that
 * shape — balanced elements, the protocol's namespace, known children, a <loc> in each entry, text
 * with valid entities only — and throws on anything else, so a test that reads a file through it
 * has checked that the file parses. No browser and no dependency: the files run to megabytes.
 */

export interface SitemapEntry {
  loc: string;
  lastmod?: string;
  changefreq?: string;
  priority?: string;
}

export interface ParsedSitemap {
  root: 'urlset' | 'sitemapindex';
  entries: SitemapEntry[];
}

const DECLARATION = /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*/;
const NAMESPACE = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const FIELDS = { urlset: ['loc', 'lastmod', 'changefreq', 'priority'], sitemapindex: ['loc', 'lastmod'] } as const;

function decodeText(raw: string, where: string): string {
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) throw new Error(`bare & in ${where}`);
  return raw.replace(ENTITY, (_, name: string | undefined, dec: string | undefined, hex: string | undefined) =>
    name ? NAMED[name]! : String.fromCodePoint(dec ? Number(dec) : parseInt(hex!, 16)),
  );
}

export function parseSitemapXml(xml: string): ParsedSitemap {
  const declaration = DECLARATION.exec(xml);
  if (!declaration) throw new Error('no XML declaration');
  // Elements and the text between them, covering the document with nothing left over.
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w:.-]*="[^"<&]*")*)\s*(\/?)>|([^<]+)/y;
  token.lastIndex = declaration[0].length;
  let root: ParsedSitemap['root'] | null = null;
  let entry: SitemapEntry | null = null;
  let field: string | null = null;
  let text = '';
  const entries: SitemapEntry[] = [];
  const stack: string[] = [];
  let ended = false;

  while (token.lastIndex < xml.length) {
    const at = token.lastIndex;
    const match = token.exec(xml);
    if (!match) throw new Error(`not well-formed at offset ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`);
    const [, closing, name, attributes, selfClosing, chars] = match;
    if (chars !== undefined) {
      if (field) text += chars;
      else if (chars.trim() !== '') throw new Error(`text outside an entry's field at offset ${at}`);
      continue;
    }
    if (ended) throw new Error('content after the root element');
    if (selfClosing) throw new Error(`empty element <${name}/> at offset ${at}`);
    if (!closing) {
      const depth = stack.length;
      if (depth === 0) {
        if (name !== 'urlset' && name !== 'sitemapindex') throw new Error(`root element <${name}>`);
        if (!new RegExp(`\\sxmlns="${NAMESPACE.replace(/[./]/g, '\\$&')}"`).test(attributes ?? ''))
          throw new Error(`<${name}> without the sitemap namespace`);
        root = name;
      } else if (depth === 1) {
        if (name !== (root === 'urlset' ? 'url' : 'sitemap')) throw new Error(`<${name}> in <${root}>`);
        if (attributes) throw new Error(`attributes on <${name}>`);
        entry = { loc: '' };
      } else if (depth === 2) {
        if (!(FIELDS[root!] as readonly string[]).includes(name!))
          throw new Error(`<${name}> in an entry of <${root}>`);
        if (attributes) throw new Error(`attributes on <${name}>`);
        if (entry![name as keyof SitemapEntry] !== undefined && name !== 'loc') throw new Error(`two <${name}>`);
        if (name === 'loc' && entry!.loc !== '') throw new Error('two <loc>');
        field = name!;
        text = '';
      } else {
        throw new Error(`<${name}> nested too deep`);
      }
      stack.push(name!);
      continue;
    }
    if (stack.pop() !== name) throw new Error(`</${name}> does not close the open element at offset ${at}`);
    if (stack.length === 2) {
      entry![field as keyof SitemapEntry] = decodeText(text, `<${field}>`);
      field = null;
    } else if (stack.length === 1) {
      if (!entry!.loc) throw new Error(`an entry without <loc> at offset ${at}`);
      entries.push(entry!);
      entry = null;
    } else if (stack.length === 0) {
      ended = true;
    }
  }
  if (!root || !ended) throw new Error('the root element is not closed');
  return { root, entries };
}
