import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  idRangeOf,
  MAX_SITEMAP_FILE,
  pagesFileCount,
  pageUrls,
  parseSitemapFileName,
  postFileOf,
  postUrls,
  renderSitemapIndex,
  renderUrlset,
  SITEMAP_MAX_URLS,
  sitemapIndexEntries,
  tagSliceOf,
} from '@/lib/content/sitemap';
import { MAX_ID, MAX_SLUG_LENGTH } from '@/lib/core/route-params';
import { parseSitemapXml } from '../support/sitemap-xml';

const MAX_BYTES = 50 * 1024 * 1024;

describe('sitemap files', () => {
  test('the protocol’s limit is the one every file is cut to', () => {
    assert.equal(SITEMAP_MAX_URLS, 50_000);
  });

  test('a post id belongs to exactly one posts file, whose id range holds at most 50,000 ids', () => {
    for (const id of [1, 2, 49_999, 50_000, 50_001, 99_999, 100_000, 100_001, 123_456_789, MAX_ID]) {
      const n = postFileOf(id);
      const { first, last } = idRangeOf(n);
      assert.ok(first <= id && id <= last, `${id} in file ${n} (${first}–${last})`);
      assert.ok(last - first + 1 <= SITEMAP_MAX_URLS);
    }
    assert.equal(postFileOf(50_000), 1);
    assert.equal(postFileOf(50_001), 2);
    // Consecutive files meet without a gap or an overlap, up to the last id there can be.
    for (let n = 1; n < 5; n++) assert.equal(idRangeOf(n + 1).first, idRangeOf(n).last + 1);
    assert.equal(postFileOf(MAX_ID), MAX_SITEMAP_FILE);
    assert.equal(idRangeOf(MAX_SITEMAP_FILE).last, MAX_ID);
  });

  test('pages files take the homepage and every tag once, 50,000 addresses at most each', () => {
    for (const tagCount of [0, 1, 49_998, 49_999, 50_000, 99_999, 100_000, 130_000]) {
      const files = pagesFileCount(tagCount);
      let covered = 0;
      for (let n = 1; n <= files; n++) {
        const { offset, limit } = tagSliceOf(n);
        assert.equal(offset, covered, `file ${n} of ${tagCount} tags starts where the previous ended`);
        const taken = Math.min(limit, tagCount - offset);
        assert.ok(taken > 0 || (n === 1 && tagCount === 0), `file ${n} of ${tagCount} tags is not empty`);
        assert.ok(taken + (n === 1 ? 1 : 0) <= SITEMAP_MAX_URLS);
        covered += taken;
      }
      assert.equal(covered, tagCount);
    }
    assert.equal(pagesFileCount(49_999), 1);
    assert.equal(pagesFileCount(50_000), 2);
  });

  test('file names are parsed strictly: anything else, or beyond the last possible file, is no file', () => {
    assert.deepEqual(parseSitemapFileName('posts-1.xml'), { kind: 'posts', n: 1 });
    assert.deepEqual(parseSitemapFileName('pages-2.xml'), { kind: 'pages', n: 2 });
    assert.deepEqual(parseSitemapFileName(`posts-${MAX_SITEMAP_FILE}.xml`), { kind: 'posts', n: MAX_SITEMAP_FILE });
    for (const bad of [
      `posts-${MAX_SITEMAP_FILE + 1}.xml`,
      'posts-0.xml',
      'posts-01.xml',
      'posts--1.xml',
      'posts-1e3.xml',
      'posts-99999999999999999999.xml',
      'posts-1.XML',
      'posts-1.xml\u0000',
      'posts-1',
      'tags-1.xml',
      'posts-1.xml.gz',
      '',
    ])
      assert.equal(parseSitemapFileName(bad), null, JSON.stringify(bad));
  });

  test('a full posts file with the longest slugs stays far below 50 MB, and parses', () => {
    const siteUrl = `https://${'a'.repeat(200)}.example`;
    const posts = Array.from({ length: SITEMAP_MAX_URLS }, (_, i) => ({
      slug: `${i}-`.padEnd(MAX_SLUG_LENGTH, 'x'),
      publishedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    }));
    const xml = renderUrlset(postUrls(siteUrl, posts));
    assert.ok(Buffer.byteLength(xml) < MAX_BYTES / 2, `${Buffer.byteLength(xml)} bytes`);
    const parsed = parseSitemapXml(xml);
    assert.equal(parsed.root, 'urlset');
    assert.equal(parsed.entries.length, SITEMAP_MAX_URLS);
    assert.equal(parsed.entries[7]!.loc, `${siteUrl}/posts/${posts[7]!.slug}`);
    assert.equal(parsed.entries[7]!.lastmod, posts[7]!.publishedAt);
  });

  test('the first pages file lists the homepage, then tag pages; addresses are escaped', () => {
    const parsed = parseSitemapXml(renderUrlset(pageUrls('https://blog.example/?a=1&b=2', 1, ['css', 'redis'])));
    assert.deepEqual(
      parsed.entries.map((entry) => entry.loc),
      [
        'https://blog.example/?a=1&b=2/',
        'https://blog.example/?a=1&b=2/tags/css',
        'https://blog.example/?a=1&b=2/tags/redis',
      ],
    );
    assert.equal(parseSitemapXml(renderUrlset(pageUrls('https://b.example', 2, ['x']))).entries.length, 1);
  });

  test('the index lists the pages files, then each posts file with its newest date', () => {
    const entries = sitemapIndexEntries('https://b.example', {
      pagesFiles: 1,
      posts: [
        { n: 1, lastmod: '2026-01-01T00:00:00.000Z' },
        { n: 3, lastmod: '2026-02-01T00:00:00.000Z' },
      ],
    });
    const parsed = parseSitemapXml(renderSitemapIndex(entries));
    assert.equal(parsed.root, 'sitemapindex');
    assert.deepEqual(parsed.entries, [
      { loc: 'https://b.example/sitemaps/pages-1.xml' },
      { loc: 'https://b.example/sitemaps/posts-1.xml', lastmod: '2026-01-01T00:00:00.000Z' },
      { loc: 'https://b.example/sitemaps/posts-3.xml', lastmod: '2026-02-01T00:00:00.000Z' },
    ]);
  });
});

describe('the test’s sitemap reader', () => {
  const good = renderUrlset([{ loc: 'https://b.example/' }]);

  test('reads what the site renders', () => {
    assert.deepEqual(parseSitemapXml(good).entries, [{ loc: 'https://b.example/' }]);
  });

  test('refuses what does not parse or is not a sitemap', () => {
    for (const [why, bad] of [
      ['no declaration', good.replace(/^<\?xml[^>]*>/, '')],
      ['unclosed root', good.replace('</urlset>', '')],
      ['mismatched element', good.replace('</loc>', '</lastmod>')],
      ['bare ampersand', good.replace('https://b.example/', 'https://b.example/?a&b')],
      ['stray <', good.replace('https://b.example/', 'https://b.example/<')],
      ['no namespace', good.replace(/ xmlns="[^"]*"/, '')],
      ['unknown field', good.replace('<loc>', '<title>x</title><loc>')],
      ['no loc', good.replace(/<loc>[^<]*<\/loc>/, '')],
      ['text between entries', good.replace('<url>', 'junk<url>')],
      ['two roots', `${good}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>`],
    ])
      assert.throws(() => parseSitemapXml(bad!), Error, why);
  });
});
