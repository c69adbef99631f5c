import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { runtimeFiles } from '../../server/runtime-files';
import { expect, test } from './support/fixtures';
import { hiddenFields, readAnswer, type FormAnswer } from './support/form-post';
import { OwnSite, type SiteServer } from './support/site';
import { withTimeLeftInTheMinute } from './support/rate-window';

/*
 * Who a client is, as the server decides it behind proxies. Linux answers on every address of
 * 127.0.0.0/8, so one host has several: 127.0.0.2 stands for a proxy TRUST_PROXY names, 127.0.0.1
 * for a client reaching the server directly, and 127.0.0.3 for the one address HOST listens on.
 */

const PROXY = '127.0.0.2';
const DIRECT = '127.0.0.1';

const site = new OwnSite();
let server: SiteServer;
let slug: string;
let clients = 0;
const newClient = () => `203.0.113.${++clients}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await site.open('proxies');
  server = await site.start({ TRUST_PROXY: PROXY, COMMENT_RATE_LIMIT: '3/1m', COMMENT_MIN_FILL_SECONDS: '0' });
  slug = (await site.publishedNewestFirst())[0]!.slug;
});

test.afterAll(async () => {
  await server?.stop();
  await site.close();
});

/** The comment form sent without JavaScript, from a local address of the test's choosing. */
async function commentFrom(localAddress: string, forwardedFor: string, body: string): Promise<FormAnswer> {
  const fields = await hiddenFields(server.base, slug);
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  form.append('name', 'Reader');
  form.append('email', 'reader@example.test');
  form.append('body', body);
  // Request encodes the form as a browser would; node:http sends it from the chosen address.
  const encoded = new Request('http://encoder.invalid/', { method: 'POST', body: form });
  const payload = Buffer.from(await encoded.arrayBuffer());
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/posts/${slug}`,
        method: 'POST',
        localAddress,
        headers: {
          'content-type': encoded.headers.get('content-type')!,
          'content-length': payload.length,
          'x-forwarded-for': forwardedFor,
          connection: 'close',
        },
      },
      (response) => {
        let html = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (html += chunk));
        response.on('end', () => resolve(readAnswer(response.statusCode ?? 0, html)));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

test('a client reaching the server directly cannot choose its identity with X-Forwarded-For: a new address in each of five comments still spends one allowance of three', async () => {
  await withTimeLeftInTheMinute();
  const marker = `direct-${Date.now().toString(36)}`;
  const answers: FormAnswer[] = [];
  for (let i = 0; i < 5; i++) answers.push(await commentFrom(DIRECT, newClient(), `${marker} number ${i}`));
  expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
  expect(answers.slice(0, 3).map((answer) => answer.message)).toEqual(
    Array(3).fill(expect.stringContaining('your comment is published')),
  );
  for (const answer of answers.slice(3)) expect(answer.message).toMatch(/Please wait \d+ seconds? and post again/);
});

test('through the proxy TRUST_PROXY names, each address it forwards is a client of its own', async () => {
  await withTimeLeftInTheMinute();
  const marker = `proxied-${Date.now().toString(36)}`;
  const answers: FormAnswer[] = [];
  for (let i = 0; i < 5; i++) answers.push(await commentFrom(PROXY, newClient(), `${marker} number ${i}`));
  expect(answers.map((answer) => answer.message)).toEqual(
    Array(5).fill(expect.stringContaining('your comment is published')),
  );
  // What the client wrote before the proxy's own entry proves nothing: one client, however it varies.
  const client = newClient();
  const forged: FormAnswer[] = [];
  for (let i = 0; i < 4; i++)
    forged.push(await commentFrom(PROXY, `${newClient()}, ${client}`, `${marker} forged ${i}`));
  expect(forged.at(-1)!.message).toMatch(/Please wait \d+ seconds? and post again/);
});

test('HOST sets the one address the server listens on', async () => {
  const only = await site.start({ HOST: '127.0.0.3' });
  try {
    expect(only.output()).toContain(`ready on http://127.0.0.3:${only.port}`);
    expect((await fetch(`${only.base}/`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${only.port}/`)).rejects.toThrow();
  } finally {
    await only.stop();
  }
});

test('a count in TRUST_PROXY is refused at start with what to write instead', async () => {
  const child = spawn(process.execPath, [runtimeFiles.server], {
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: site.database.url, PORT: '1', TRUST_PROXY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).not.toBe(0);
  expect(output).toContain('TRUST_PROXY takes the addresses or ranges of the proxies in front of the server');
  expect(output).toContain('TRUST_PROXY=loopback');
});
