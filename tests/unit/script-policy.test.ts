import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { inlineScriptHashes } from '@/server/security-headers';

const hash = (body: string) => `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`;

// As Next 16 writes them (copied from a built page).
const NEXT = [
  '(self.__next_f=self.__next_f||[]).push([0])',
  'self.__next_f.push([1,"1:\\"$Sreact.fragment\\"\\n2:I[94553,[],\\"default\\"]\\n\\u003cb\\u003e"])',
  'self.__next_f.push([2,null])',
  '(globalThis["TURBOPACK"] || (globalThis["TURBOPACK"] = [])).push({"otherChunks":["static/chunks/310vm2bl3xxpt.js"],"runtimeModuleIds":[94553]});',
];

test('Next’s bootstrap and flight data are hashed, each once', () => {
  const html = `<html><body>${NEXT.map((body) => `<script>${body}</script>`).join('')}<script>${NEXT[0]}</script><script src="/_next/static/chunks/a.js"></script></body></html>`;
  assert.deepEqual(inlineScriptHashes(html), { hashes: NEXT.map(hash), refused: 0 });
  assert.deepEqual(inlineScriptHashes(`<script id="_R_">${NEXT[3]}</script>`).hashes, [hash(NEXT[3]!)]);
});

test('any other inline script is refused, also one dressed as Next’s', () => {
  const injected = [
    'alert(1)',
    'self.__next_f.push([1,"x"]);alert(1)',
    'self.__next_f.push([1,"x"]),alert(1)//])',
    'self.__next_f.push([1,alert(1)])',
    'self.__next_f.push([1,"x"+alert(1)])',
    '(globalThis["TURBOPACK"] || (globalThis["TURBOPACK"] = [])).push({"a":1});alert(1);({});',
    '(self.__next_f=self.__next_f||[]).push([0]);alert(1)',
    // Markup the HTML parser treats specially inside a script, which Next never writes unescaped.
    'self.__next_f.push([1,"<!--<script>"])',
  ];
  for (const body of injected) {
    const { hashes, refused } = inlineScriptHashes(`<p>post</p><script>${body}</script><script>${NEXT[0]}</script>`);
    assert.deepEqual(hashes, [hash(NEXT[0]!)], body);
    assert.equal(refused, 1, body);
  }
  for (const tag of ['<script type="module">', '<script type="text/javascript">', '<SCRIPT type="">']) {
    assert.equal(inlineScriptHashes(`${tag}alert(1)</script>`).refused, 1, tag);
  }
});

test('a data block the browser does not run needs no hash and is not refused', () => {
  const html = '<script type="application/ld+json">{"@type":"BlogPosting"}</script>';
  assert.deepEqual(inlineScriptHashes(html), { hashes: [], refused: 0 });
});
