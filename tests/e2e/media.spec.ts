import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from '@playwright/test';
import S3rver from 's3rver';
import { picture, pngHtmlPolyglot, SVG_WITH_SCRIPT } from '../support/images';
import { expect, expectUntouched, test, warmAll } from './support/fixtures';
import { actionFormsOf } from './support/form-post';
import { freePort } from './support/server';
import { CarriedAdminSession } from './support/admin-session';
import { get, OwnSite, SITE_ADMIN_TOKEN, type SiteServer } from './support/site';

/*
 * Images in posts, on a site of its own: uploading in the editor with and without JavaScript and
 * through the API, what readers get (srcset, immutable addresses), what is refused (and that a
 * refusal keeps nothing), and that an upload leaves every cached page as it was.
 */

const PASSWORD = 'a long admin password for the media tests';
const COOKIE = 'freshpress_admin';
const MB = 1024 * 1024;

const site = new OwnSite();
let server: SiteServer;
let runs = 0;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await site.open('media');
  server = await site.start({ ADMIN_PASSWORD: PASSWORD });
});

test.afterAll(async () => {
  await server?.stop();
  await site.close();
});

const unique = () => `${Date.now().toString(36)}-${++runs}`;

const admin = new CarriedAdminSession(() => server.base, PASSWORD);
const loggedIn = (page: Page) => admin.loggedIn(page);

async function withoutJavaScript<T>(browser: Browser, work: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await loggedIn(page);
    return await work(page);
  } finally {
    await context.close();
  }
}

async function kept(): Promise<{ images: number; files: number }> {
  const [row] = await site.sql<{ images: number; files: number }[]>`
    select (select count(*)::int from media) as images, (select count(*)::int from media_files) as files`;
  return row!;
}

function upload(
  file: { name: string; mimeType: string; buffer: Buffer },
  token = SITE_ADMIN_TOKEN,
  base = server.base,
) {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(file.buffer)], { type: file.mimeType }), file.name);
  return fetch(`${base}/api/admin/media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
}

/** What a reader's browser gets for an image address. */
async function expectImmutableImage(url: string, contentType: string, base = server.base): Promise<string> {
  const response = await fetch(`${base}${url}`);
  expect(response.status, url).toBe(200);
  expect(response.headers.get('content-type')).toBe(contentType);
  expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  // Not a page: nothing for the page cache or its statistics.
  expect(response.headers.get('x-nextjs-cache')).toBeNull();
  const etag = response.headers.get('etag');
  expect(etag).toBeTruthy();
  expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
  const again = await fetch(`${base}${url}`, { headers: { 'if-none-match': etag! } });
  expect(again.status).toBe(304);
  return etag!;
}

test('without JavaScript, an image chosen in the editor is added to the body with the typed text kept; the post shows it with a srcset at immutable addresses', async ({
  browser,
}) => {
  const slug = `media-no-script-${unique()}`;
  const image = await picture('png', 1000, 600);
  await withoutJavaScript(browser, async (page) => {
    await page.goto(`${server.base}/admin/posts/new`);
    await page.getByLabel('Title', { exact: true }).fill('A harbour, without JavaScript');
    await page.getByLabel('Slug').fill(slug);
    await page.getByLabel('Body (Markdown)').fill('Typed before the upload and not yet saved.');
    await page.getByLabel('Image').setInputFiles({ name: 'harbour-at-dusk.png', mimeType: 'image/png', buffer: image });
    await page.getByRole('button', { name: 'Upload image' }).click();
    await expect(page.getByText('was added at the end of the body')).toBeVisible();
    const body = await page.getByLabel('Body (Markdown)').inputValue();
    expect(body).toMatch(
      /^Typed before the upload and not yet saved\.\n\n!\[harbour at dusk\]\(\/media\/[0-9a-f]{64}\/1000x600\.png\)\n$/,
    );
    await expect(page.getByLabel('Title', { exact: true })).toHaveValue('A harbour, without JavaScript');
    const [unsaved] = await site.sql<{ n: number }[]>`select count(*)::int as n from posts where slug = ${slug}`;
    expect(unsaved!.n).toBe(0);

    await page.getByLabel('Status').selectOption({ label: 'Published' });
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Edit “A harbour, without JavaScript”' })).toBeVisible();
  });

  const post = await get(server.base, `/posts/${slug}`);
  expect(post.status).toBe(200);
  const img = post.html.match(/<img [^>]*src="(\/media\/[0-9a-f]{64}\/1000x600\.png)"[^>]*>/);
  expect(img, 'the post shows the uploaded image').not.toBeNull();
  const [tag, full] = [img![0], img![1]!];
  const hash = full.split('/')[2]!;
  expect(tag).toContain(
    `srcset="/media/${hash}/320w.png 320w, /media/${hash}/640w.png 640w, /media/${hash}/960w.png 960w, ${full} 1000w"`,
  );
  for (const attribute of [
    'width="1000"',
    'height="600"',
    'loading="lazy"',
    'decoding="async"',
    'alt="harbour at dusk"',
  ])
    expect(tag).toContain(attribute);
  await expectImmutableImage(full, 'image/png');
  await expectImmutableImage(`/media/${hash}/640w.png`, 'image/png');
});

test('without JavaScript, an image over the limit is refused beside the field, the typed text kept', async ({
  browser,
}) => {
  const before = await kept();
  await withoutJavaScript(browser, async (page) => {
    await page.goto(`${server.base}/admin/posts/new`);
    await page.getByLabel('Body (Markdown)').fill('Still here after the refusal.');
    // Past the image limit (10 MB) but within what the form may send (the image and the text).
    const buffer = Buffer.concat([await picture('png', 8, 8), Buffer.alloc(10.5 * MB)]);
    await page.getByLabel('Image').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer });
    await page.getByRole('button', { name: 'Upload image' }).click();
    await expect(page.getByLabel('Image')).toHaveAccessibleDescription(/the largest image accepted is 10 MB/);
    await expect(page.getByLabel('Body (Markdown)')).toHaveValue('Still here after the refusal.');
  });
  expect(await kept()).toEqual(before);
});

test('with JavaScript, an image dropped on the body is uploaded and inserted at the cursor; one over the limit is refused before it is sent', async ({
  page,
}) => {
  await loggedIn(page);
  await page.goto(`${server.base}/admin/posts/new`);
  const body = page.getByLabel('Body (Markdown)');
  await body.fill('First paragraph.\n\nSecond paragraph.');
  await body.evaluate((field: HTMLTextAreaElement) => field.setSelectionRange(16, 16));
  const image = await picture('jpeg', 800, 400);
  const drop = async (bytes: number[] | null, name: string, type: string) => {
    const dataTransfer = await page.evaluateHandle(
      ({ bytes, name, type }) => {
        const transfer = new DataTransfer();
        // null: a file of 12 MB, made in the page rather than carried over from the test.
        const content = bytes ? new Uint8Array(bytes) : new Uint8Array(12 * 1024 * 1024);
        transfer.items.add(new File([content], name, { type }));
        return transfer;
      },
      { bytes, name, type },
    );
    await body.dispatchEvent('drop', { dataTransfer });
  };
  await drop([...image], 'dropped-photo.jpg', 'image/jpeg');
  await expect(page.getByText('dropped-photo.jpg was added to the body')).toBeVisible();
  await expect(body).toHaveValue(
    /^First paragraph\.\n\n!\[dropped photo\]\(\/media\/[0-9a-f]{64}\/800x400\.jpg\)\n\nSecond paragraph\.$/,
  );

  const before = await kept();
  const requests: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST') requests.push(request.url());
  });
  await drop(null, 'camera-original.png', 'image/png');
  await expect(page.getByLabel('Image')).toHaveAccessibleDescription(
    /The file is 12\.0 MB; the largest image accepted is 10 MB/,
  );
  expect(requests).toEqual([]);
  expect(await kept()).toEqual(before);
});

test('with JavaScript, Upload image adds the chosen image to the body as without it; one over the limit is refused before it is sent', async ({
  page,
}) => {
  await loggedIn(page);
  await page.goto(`${server.base}/admin/posts/new`);
  const body = page.getByLabel('Body (Markdown)');
  await body.fill('Typed with JavaScript on.');
  const before = await kept();
  const requests: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST') requests.push(request.url());
  });
  await page.getByLabel('Image').setInputFiles({
    name: 'too-big.png',
    mimeType: 'image/png',
    buffer: Buffer.concat([await picture('png', 8, 8), Buffer.alloc(10.5 * MB)]),
  });
  await page.getByRole('button', { name: 'Upload image' }).click();
  await expect(page.getByLabel('Image')).toHaveAccessibleDescription(/The file is 10\.5 MB/);
  expect(requests).toEqual([]);
  expect(await kept()).toEqual(before);

  await page
    .getByLabel('Image')
    .setInputFiles({ name: 'small-gif.gif', mimeType: 'image/gif', buffer: await picture('gif', 200, 100) });
  await page.getByRole('button', { name: 'Upload image' }).click();
  await expect(page.getByText('was added at the end of the body')).toBeVisible();
  await expect(body).toHaveValue(
    /^Typed with JavaScript on\.\n\n!\[small gif\]\(\/media\/[0-9a-f]{64}\/200x100\.gif\)\n$/,
  );
  expect((await kept()).images).toBe(before.images + 1);
});

test('the admin API stores an image and answers its addresses; without the token it refuses', async () => {
  const response = await upload({ name: 'api.webp', mimeType: 'image/webp', buffer: await picture('webp', 700, 300) });
  expect(response.status).toBe(201);
  const answer = (await response.json()) as {
    url: string;
    markdown: string;
    width: number;
    height: number;
    variants: { width: number; url: string }[];
  };
  expect(answer.url).toMatch(/^\/media\/[0-9a-f]{64}\/700x300\.webp$/);
  expect(answer.markdown).toBe(`![api](${answer.url})`);
  expect([answer.width, answer.height]).toEqual([700, 300]);
  expect(answer.variants.map((variant) => variant.width)).toEqual([320, 640]);
  await expectImmutableImage(answer.url, 'image/webp');
  await expectImmutableImage(answer.variants[0]!.url, 'image/webp');

  const refused = await upload(
    { name: 'x.png', mimeType: 'image/png', buffer: await picture('png', 4, 4) },
    'wrong-token-0123456789',
  );
  expect(refused.status).toBe(401);
});

test('hostile uploads are each refused with a sentence that says why, and nothing is kept', async () => {
  const before = await kept();
  const corpus = [
    {
      name: 'logo.svg',
      mimeType: 'image/svg+xml',
      buffer: SVG_WITH_SCRIPT,
      status: 415,
      error: /SVG images are not accepted/,
    },
    {
      name: 'cat.png',
      mimeType: 'image/png',
      buffer: await pngHtmlPolyglot(),
      status: 422,
      error: /also contains web-page or script markup/,
    },
    {
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: await picture('jpeg', 40, 40),
      status: 422,
      error: /named “\.png” but is a JPEG image/,
    },
    {
      name: 'notes.jpg',
      mimeType: 'image/jpeg',
      buffer: Buffer.from('Dear diary, this is not a picture.'),
      status: 415,
      error: /not an image this blog accepts/,
    },
    {
      name: 'camera.jpg',
      mimeType: 'image/jpeg',
      buffer: Buffer.alloc(50 * MB, 0xff),
      status: 413,
      error: /The file is 50\.\d MB; the largest image accepted is 10 MB/,
    },
  ];
  for (const item of corpus) {
    const response = await upload(item);
    const text = await response.text();
    expect(response.status, `${item.name}: ${text.slice(0, 300)}`).toBe(item.status);
    expect(response.headers.get('content-type'), `${item.name}: ${text.slice(0, 300)}`).toContain('application/json');
    expect((JSON.parse(text) as { error: string }).error, item.name).toMatch(item.error);
  }
  expect(await kept()).toEqual(before);
});

test('unknown image addresses are a plain 404, whatever their shape', async () => {
  const hash = 'c'.repeat(64);
  for (const path of [
    `/media/${hash}/800x600.png`,
    `/media/${hash}/641w.png`,
    '/media/x/800x600.png',
    `/media/${hash}/a.svg`,
  ]) {
    const response = await fetch(`${server.base}${path}`);
    expect(response.status, path).toBe(404);
    expect(response.headers.get('x-nextjs-cache'), path).toBeNull();
  }
});

test('an upload leaves every cached page a HIT', async ({ request }) => {
  const post = (await site.publishedNewestFirst()).find((candidate) => candidate.tags.length > 0)!;
  const paths = ['/', `/posts/${post.slug}`, `/tags/${post.tags[0]}`, '/feed.xml'].map(
    (path) => `${server.base}${path}`,
  );
  const before = await warmAll(request, paths);
  const response = await upload({ name: 'quiet.png', mimeType: 'image/png', buffer: await picture('png', 300, 200) });
  expect(response.status).toBe(201);
  await expectUntouched(request, before, paths);
});

test('an editor form larger than the image limit and its text is refused before Next reads it, with a page that says why', async () => {
  const form = new FormData();
  form.set('body', 'kept by the browser');
  form.set('image', new Blob([new Uint8Array(12 * MB)], { type: 'image/png' }), 'camera.png');
  const response = await fetch(`${server.base}/admin/posts/new`, { method: 'POST', body: form });
  expect(response.status).toBe(413);
  const html = await response.text();
  expect(html).toContain('Too large to send');
  expect(html).toContain('an image can be at most 10 MB');
});

test('the editor’s upload, called without a session, is refused and keeps nothing', async ({ page }) => {
  await loggedIn(page);
  const cookie = (await page.context().cookies(`${server.base}/admin`)).find((c) => c.name === COOKIE)!;
  const html = await (
    await fetch(`${server.base}/admin/posts/new`, { headers: { cookie: `${COOKIE}=${cookie.value}` } })
  ).text();
  const image = await picture('png', 50, 50);
  const send = (fields: Map<string, string>, headers: Record<string, string> = {}) => {
    const data = new FormData();
    for (const [name, value] of fields) data.append(name, value);
    data.append('body', 'Forged.');
    data.append('intent', 'upload');
    data.append('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'forged.png');
    return fetch(`${server.base}/admin/posts/new`, { method: 'POST', body: data, redirect: 'manual', headers });
  };
  const before = await kept();
  const forms = actionFormsOf(html);
  for (const fields of forms) {
    const response = await send(fields);
    expect(response.status).toBeLessThan(500);
    expect(await response.text()).not.toContain('was added at the end of the body');
  }
  expect(await kept()).toEqual(before);
  // The same request with the session is the upload the editor makes without JavaScript.
  // The layout's logout form comes first, the page's editor last.
  const accepted = await send(forms.at(-1)!, { cookie: `${COOKIE}=${cookie.value}` });
  expect(await accepted.text()).toContain('was added at the end of the body');
  expect((await kept()).images).toBe(before.images + 1);
});

test.describe('with MEDIA_STORE=s3', () => {
  const bucket = 'freshpress-media';
  let s3: S3rver;
  let directory: string;
  let bucketServer: SiteServer;
  let client: S3Client;

  test.beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'freshpress-s3-'));
    const port = await freePort();
    s3 = new S3rver({
      port,
      address: '127.0.0.1',
      silent: true,
      directory,
      configureBuckets: [{ name: bucket, configs: [] }],
    });
    await s3.run();
    const endpoint = `http://127.0.0.1:${port}`;
    client = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    bucketServer = await site.start({
      MEDIA_STORE: 's3',
      MEDIA_S3_ENDPOINT: endpoint,
      MEDIA_S3_BUCKET: bucket,
      MEDIA_S3_ACCESS_KEY_ID: 'S3RVER',
      MEDIA_S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
  });

  test.afterAll(async () => {
    await bucketServer?.stop();
    client?.destroy();
    await s3?.close();
    await rm(directory, { recursive: true, force: true });
  });

  const objects = async () =>
    (await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((object) => object.Key) ?? [];

  test('an upload goes to the bucket and is served from this origin, immutable; a refused one puts nothing there', async () => {
    const response = await upload(
      { name: 'bucket.jpg', mimeType: 'image/jpeg', buffer: await picture('jpeg', 720, 480) },
      SITE_ADMIN_TOKEN,
      bucketServer.base,
    );
    expect(response.status).toBe(201);
    const answer = (await response.json()) as { hash: string; url: string; variants: { url: string }[] };
    expect((await objects()).sort()).toEqual(
      [`${answer.hash}/320w.jpg`, `${answer.hash}/640w.jpg`, `${answer.hash}/720x480.jpg`].sort(),
    );
    const [files] = await site.sql<
      { n: number }[]
    >`select count(*)::int as n from media_files where hash = ${answer.hash}`;
    expect(files!.n, 'the copies are in the bucket, not in PostgreSQL').toBe(0);
    await expectImmutableImage(answer.url, 'image/jpeg', bucketServer.base);
    await expectImmutableImage(answer.variants[1]!.url, 'image/jpeg', bucketServer.base);
    expect((await fetch(`${bucketServer.base}/media/${answer.hash}/960w.jpg`)).status).toBe(404);

    const before = await objects();
    for (const item of [
      { name: 'logo.svg', mimeType: 'image/svg+xml', buffer: SVG_WITH_SCRIPT },
      { name: 'cat.png', mimeType: 'image/png', buffer: await pngHtmlPolyglot() },
    ]) {
      const refused = await upload(item, SITE_ADMIN_TOKEN, bucketServer.base);
      expect(refused.status, item.name).toBeGreaterThanOrEqual(400);
      expect(refused.status, item.name).toBeLessThan(500);
    }
    expect(await objects()).toEqual(before);
  });
});
