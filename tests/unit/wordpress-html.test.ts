import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toSlug, toTagName, uniqueSlug } from '@/lib/moving/names';
import { paragraphs, replaceShortcodes, wordpressBody, wordpressCommentText } from '@/lib/moving/wordpress-html';

const context = {
  postId: '7',
  attachments: new Map([
    ['1', { url: 'https://old.example/a.jpg', title: 'A', parentId: '7' }],
    ['2', { url: 'https://old.example/b.jpg', title: 'B', parentId: '9' }],
  ]),
};

describe('WordPress content', () => {
  test('shortcodes become HTML, keep their content, or go; brackets that are no shortcode stay', () => {
    assert.equal(
      replaceShortcodes('[gallery ids="2,1"]', context)
        .match(/src="[^"]+"/g)
        ?.join(' '),
      'src="https://old.example/b.jpg" src="https://old.example/a.jpg"',
    );
    // Without ids, a gallery shows the post's own uploads.
    assert.equal(
      replaceShortcodes('[gallery]', context)
        .match(/src="[^"]+"/g)
        ?.join(' '),
      'src="https://old.example/a.jpg"',
    );
    assert.equal(replaceShortcodes('[contact-form-7 id="4" title="Contact"]', context), '');
    assert.equal(replaceShortcodes('[highlight color="red"]kept words[/highlight]', context), 'kept words');
    assert.equal(replaceShortcodes('As he said [sic], see [1].', context), 'As he said [sic], see [1].');
    assert.equal(replaceShortcodes('Write [[gallery]] to show one.', context), 'Write [gallery] to show one.');
    assert.equal(replaceShortcodes('a stray [/caption] closing', context), 'a stray  closing');
    assert.match(
      replaceShortcodes('[sourcecode language="js"]if (a < b) {}[/sourcecode]', context),
      /^<pre><code class="language-js">if \(a &lt; b\) \{\}<\/code><\/pre>$/,
    );
    assert.equal(
      replaceShortcodes('[caption caption="Old style"]<img src="x.jpg">[/caption]', context),
      '<figure><img src="x.jpg"><figcaption>Old style</figcaption></figure>',
    );
    assert.match(
      replaceShortcodes('[video src="https://old.example/v.mp4"]', context),
      /<a href="https:\/\/old\.example\/v\.mp4">v\.mp4<\/a>/,
    );
  });

  test('paragraphs: blank lines make paragraphs, newlines line breaks, blocks and <pre> are kept', () => {
    assert.equal(paragraphs('one\ntwo\n\n<ul><li>x</li></ul>'), '<p>one<br>\ntwo</p>\n\n<ul><li>x</li></ul>');
    assert.equal(paragraphs('<pre>a\n\nb</pre>\n\nafter'), '<pre>a\n\nb</pre>\n\n<p>after</p>');
  });

  test('a body keeps no script, style, event handler or editor comment', () => {
    const body = wordpressBody(
      '<!-- wp:paragraph --><p onclick="x()">Hi <style>p{}</style></p><!-- /wp:paragraph -->\n\n<script>alert(1)</script>\n\nhttps://video.example/1',
      context,
    );
    assert.equal(
      body,
      '<p>Hi </p>\n\n<p><a href="https://video.example/1" rel="noopener noreferrer">https://video.example/1</a></p>',
    );
  });

  test('a comment becomes plain text: paragraphs, breaks and link addresses kept', () => {
    assert.equal(
      wordpressCommentText(
        '<p>See <a href="https://x.example/">this page</a> &amp; more</p><p>Line<br/>two &#8217;s</p>',
      ),
      'See this page (https://x.example/) & more\n\nLine\ntwo ’s',
    );
  });

  test('names fit the slug and tag rules, and a taken slug gets a number', () => {
    assert.equal(toSlug('%e6%97%a5%e6%9c%ac-Caf%C3%A9_Notes--'), 'cafe-notes');
    assert.equal(toTagName('C++ & Rust’s Ownership'), 'c-rusts-ownership');
    assert.equal(toSlug('x'.repeat(150)).length, 100);
    const taken = new Set(['hello', 'hello-2']);
    assert.equal(uniqueSlug('hello', taken), 'hello-3');
    assert.equal(uniqueSlug('new', taken), 'new');
    assert.ok(taken.has('hello-3') && taken.has('new'));
  });
});
