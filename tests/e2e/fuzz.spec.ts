import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { CommentInput } from '@/lib/comments/input';
import { Dice, mulberry32 } from '@/db/seeded-random';
import { expect, test } from './support/fixtures';
import { OwnSite, SITE_ADMIN_TOKEN, type SiteServer } from './support/site';

/*
 * A deterministic fuzz of everything a stranger can send: the comment form posted without
 * JavaScript, forged server action calls, the admin API and every route parameter. Hundreds of
 * hostile inputs are generated from one seeded PRNG (FUZZ_SEED reproduces another run), sent to a
 * site of the spec's own, and then the site is judged as a whole: no 5xx, no commenter's e-mail and
 * no draft in any answer, every stored comment one the form would accept and one the server said it
 * accepted, every invalidation applied, and no payload running in a real browser.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eedf022);
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 20_000;
const PWN = 'window.__fuzzPwned=1';

// ---------------------------------------------------------------------------------------------
// Randomness

class Rng extends Dice {
  constructor(seed: number) {
    super(mulberry32(seed));
  }
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i += 1) out += '0123456789abcdef'[this.int(0, 15)];
    return out;
  }
  /** `text` with `insert` put at a random place. */
  splice(text: string, insert: string): string {
    const at = this.int(0, text.length);
    return text.slice(0, at) + insert + text.slice(at);
  }
}

// ---------------------------------------------------------------------------------------------
// Payload families

const INJECTION = [
  `<script>${PWN}</script>`,
  `<img src=x onerror="${PWN}">`,
  `<img src=x onerror=${PWN}>`,
  `"><svg onload=${PWN}>`,
  `'><svg/onload=${PWN}>`,
  `javascript:${PWN}`,
  `JaVaScRiPt:${PWN}`,
  `java\tscript:${PWN}`,
  `<a href="javascript:${PWN}">click</a>`,
  `https://example.com/"onmouseover="${PWN}`,
  `https://example.com/<script>${PWN}</script>`,
  `http://x.test/?q="><img src=x onerror=${PWN}>`,
  `https://javascript:${PWN}@example.com/`,
  `</textarea><script>${PWN}</script>`,
  `</title><script>${PWN}</script>`,
  `<!--<script>${PWN}</script>-->`,
  `<iframe srcdoc="<script>parent.__fuzzPwned=1</script>"></iframe>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=${PWN}>`,
  `{{constructor.constructor('${PWN}')()}}`,
  '${' + PWN + '}',
  '$@1',
  '$@0',
  '$F1',
  '$Q1',
  '$K1',
  '$h1',
  '$1',
  '$$',
  '$undefined',
  '$n1e400',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  `data:text/html,<script>${PWN}</script>`,
  '\u2028\u2029',
  `<base href="javascript:${PWN}//">`,
  `<meta http-equiv="refresh" content="0;url=javascript:${PWN}">`,
  `[x](javascript:${PWN})`,
  `![x](x" onerror="${PWN})`,
  `<svg><a xlink:href="javascript:${PWN}"><text>x</text></a></svg>`,
];
const CONTROL = [
  '\u202E',
  '\u202D',
  '\u2066',
  '\u2069',
  '\u200F',
  '\u200E',
  '\u001B[31m',
  '\u001B]0;x\u0007',
  '\u0007',
  '\b',
  '\u0000',
  '\u007F',
  '\u000B',
  '\u000C',
  '\r',
  '\r\n',
  '\u0085',
  '\uFEFF',
  '\u200B',
  '\t',
];
const UNICODE = [
  'é',
  'e\u0301',
  '😀',
  '👩‍👩‍👧',
  '\uD800',
  '\uDFFF',
  '\uD83D',
  '\uFFFD',
  '\uFFFF',
  '\uFDD0',
  'İ',
  'ﬃ',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
];
const RAW_BYTES = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0xaf],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
].map((b) => Buffer.from(b));
const PERCENT = [
  '%',
  '%Z',
  '%ZZ',
  '%E0%A4%A',
  '%C0%AF',
  '%ED%A0%80',
  '%00',
  '%25',
  '%%',
  '%u202E',
  '%FF',
  '%2e%2e',
  '%2F',
  '%5C',
  '%0d%0aSet-Cookie:%20x=1',
];

const FAMILIES = [
  'injection',
  'control-bidi',
  'invalid-utf8',
  'percent-escape',
  'huge',
  'ids-types',
  'structure',
] as const;
type Family = (typeof FAMILIES)[number];

/** A value as bytes on the wire: text (sent as UTF-8) and raw byte runs. */
type Parts = (string | Buffer)[];
const bytes = (parts: Parts): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
const show = (value: unknown, max = 140): string => {
  const text = Buffer.isBuffer(value)
    ? `bytes:${value.toString('latin1')}`
    : typeof value === 'string'
      ? value
      : (JSON.stringify(value) ?? String(value));
  const escaped = JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);
  return escaped;
};

function hostileParts(r: Rng, family: Family, base: string): Parts {
  switch (family) {
    case 'injection':
      return [r.chance(0.3) ? `${base} ` : '', r.pick(INJECTION), r.chance(0.3) ? ` ${r.pick(INJECTION)}` : ''];
    case 'control-bidi': {
      let text = base;
      for (let i = r.int(1, 3); i > 0; i -= 1) text = r.splice(text, r.pick([...CONTROL, ...UNICODE]));
      return [text];
    }
    case 'invalid-utf8': {
      const at = r.int(0, base.length);
      return [base.slice(0, at), r.pick(RAW_BYTES), base.slice(at), r.chance(0.3) ? r.pick(UNICODE) : ''];
    }
    case 'percent-escape':
      return [r.splice(base, r.pick(PERCENT))];
    case 'huge':
      return [base, r.pick(['x', 'é', '<', '\u202E', ' ']).repeat(r.pick([81, 255, 5001, 70_000, 1_000_000]))];
    default:
      return [base];
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Reply {
  status: number;
  text: string;
  headers: string;
}

interface Case {
  n: number;
  target: 'form' | 'action' | 'admin' | 'route';
  family: Family;
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** A no-JS form post whose $ACTION_KEY is not the one the page rendered. */
  forgedKey?: boolean;
}

interface Outcome {
  c: Case;
  reply: Reply | null;
  error?: string;
  /** Comment ids the answer says were stored. */
  accepted: number[];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(base: string, c: Case): Promise<Reply> {
  const url = new URL(base);
  // Next stops reading a body over its limit and leaves the connection waiting for the rest; on a
  // pooled connection that would hold a pool slot for good, so large bodies get one of their own.
  const large = (c.body?.length ?? 0) > 256 * 1024;
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent: large ? false : agent,
        host: url.hostname,
        port: url.port,
        method: c.method,
        path: c.path,
        headers: {
          ...c.headers,
          ...(c.body ? { 'content-length': String(c.body.length) } : {}),
          ...(large ? { connection: 'close' } : {}),
        },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            headers: Object.entries(response.headers)
              .map(([k, v]) => `${k}: ${String(v)}`)
              .join('\n'),
          });
          if (large) request.destroy();
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(c.body);
  });
}

async function inPool<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

/** A path segment as a client could send it: bytes below 0x21 and above 0xff percent-encoded, the rest raw. */
function pathSegment(value: string | Buffer): string {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f) out += ch;
    else out += [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

interface Part {
  name: string;
  value: Buffer;
  filename?: string;
  type?: string;
}

function multipart(parts: Part[], boundary: string, close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ''}\r\n`,
      ),
    );
    chunks.push(part.value, Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------------------------------------
// The site as the fuzz finds it

interface Target {
  base: string;
  actionId: string;
  actionKey: string;
  /** Published posts the comment fuzz writes to. */
  commentPosts: { id: number; slug: string }[];
  /** Published posts the admin fuzz may change. */
  adminPosts: { id: number; slug: string }[];
  drafts: { id: number; slug: string; title: string }[];
  tags: string[];
  maxCommentId: number;
}

const STATES: unknown[] = [
  { status: 'idle' },
  { status: 'published', commentId: 1, values: { name: 'x', email: 'x@example.com' } },
  { status: 'invalid', errors: { name: ['<script>'] }, values: { name: 1, email: null, body: {} } },
  null,
  'idle',
  42,
  [],
  { __proto__: { polluted: 1 } },
  JSON.parse('{"__proto__":{"polluted":1},"status":"idle"}'),
  '$@1',
  '$K1',
];

function badPostId(r: Rng, t: Target): unknown {
  return r.pick<unknown>([
    r.pick(t.drafts).id,
    0,
    -1,
    -2147483648,
    2147483647,
    2147483648,
    1e308,
    1.5,
    Number.MAX_SAFE_INTEGER + 2,
    String(r.pick(t.commentPosts).id),
    null,
    true,
    [r.pick(t.commentPosts).id],
    { id: r.pick(t.commentPosts).id },
    '$@1',
    '$n12345678901234567890',
    '$D2026-01-01',
    '$Infinity',
    '$NaN',
    '$-0',
    r.pick(t.adminPosts).id,
  ]);
}

let emailCounter = 0;
function fuzzEmail(r: Rng, n: number): string {
  emailCounter += 1;
  return r.pick([
    `fuzz.${n}.${emailCounter}@fuzz-mail.example`,
    `Fuzz+${n}_${emailCounter}@Fuzz-Mail.Example`,
    `o'fuzz.${n}.${emailCounter}@fuzz-mail.example`,
  ]);
}

/** Name, e-mail, body and honeypot of one comment, hostile in the case's family. */
function commentFields(r: Rng, family: Family, n: number): { fields: Record<string, Parts>; note: string } {
  const fields: Record<string, Parts> = {
    name: [`Fuzzer ${n}`],
    email: [fuzzEmail(r, n)],
    body: [`Fuzz comment ${n}, seed ${SEED}.`],
    website: [''],
  };
  const which = r.pick(['name', 'body', 'body', 'email', 'all'] as const);
  const touched = which === 'all' ? (['name', 'email', 'body'] as const) : ([which] as const);
  for (const field of touched) {
    const base = field === 'email' ? String(fields.email![0]) : field === 'name' ? `F${n}` : `Fuzz ${n}`;
    if (family === 'injection' && field === 'email') {
      fields.email = [
        r.pick([
          `${r.pick(INJECTION)}@x.example`,
          `fuzz${n}@x.example${r.pick(INJECTION)}`,
          `javascript:${PWN}//@x.example`,
        ]),
      ];
    } else if (family === 'huge' && field === 'email') {
      fields.email = [`${'e'.repeat(r.pick([64, 250, 5000]))}${n}@x.example`];
    } else {
      fields[field] = hostileParts(r, family, base);
    }
  }
  return { fields, note: touched.map((f) => `${f}=${show(bytes(fields[f]!).toString('utf8'), 90)}`).join(' ') };
}

// ---------------------------------------------------------------------------------------------
// Generators, one per kind of request

function formCase(r: Rng, n: number, family: Family, t: Target): Case {
  const post = r.pick(t.commentPosts);
  const { fields, note } = commentFields(r, family, n);
  let ref: Record<string, unknown> | string = { id: t.actionId, bound: '$@1' };
  let bound: unknown = [post.id, { status: 'idle' }];
  let boundText: string | null = null;
  let key: string | null = t.actionKey;
  const extras: Part[] = [];
  let drop: string | null = null;
  let contentType: string | null = null;
  let close = true;
  let notes = note;
  const boundary = `----fuzz${r.hex(16)}`;

  if (family === 'ids-types') {
    const how = r.int(0, 5);
    if (how <= 2) bound = [badPostId(r, t), { status: 'idle' }];
    else if (how === 3) bound = [post.id, r.pick(STATES)];
    else if (how === 4)
      ref = {
        id: r.pick([r.hex(42), r.hex(40), '', '0'.repeat(42), t.actionId.toUpperCase(), `${t.actionId}00`]),
        bound: '$@1',
      };
    else bound = r.pick<unknown>([[], [post.id], [post.id, { status: 'idle' }, 'extra'], {}, null, 'x']);
    notes += ` ref=${show(ref)} bound=${show(bound)}`;
  } else if (family === 'structure') {
    const how = r.int(0, 9);
    if (how === 0)
      drop = r.pick(['$ACTION_REF_1', '$ACTION_1:0', '$ACTION_1:1', '$ACTION_KEY', 'name', 'email', 'body']);
    else if (how === 1) extras.push({ name: r.pick(['name', 'body', 'email']), value: Buffer.from(`second ${n}`) });
    else if (how === 2) {
      extras.push({
        name: 'body',
        value: Buffer.from(`file ${n} <script>${PWN}</script>`),
        filename: r.pick(['x.txt', '../../etc/passwd', '"><img src=x>', '']),
        type: r.pick(['text/plain', 'text/html', 'application/octet-stream']),
      });
      drop = 'body';
    } else if (how === 3)
      contentType = r.pick([
        'multipart/form-data',
        'multipart/form-data; boundary=',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json',
        `multipart/form-data; boundary=${'b'.repeat(200)}`,
      ]);
    else if (how === 4) close = false;
    else if (how === 5) fields.website = [r.pick(['http://spam.example', ' ', '<script>'])];
    else if (how === 6)
      boundText = r.pick([
        '[200,',
        '{"__proto__":',
        '',
        'null',
        '"$@1"',
        '[1,"$Q2"]',
        '[1,"$K1"]',
        '[1,"$F1"]',
        `[${'['.repeat(5000)}`,
      ]);
    else if (how === 7)
      ref = r.pick<Record<string, unknown> | string>([
        '{',
        '',
        'null',
        '{"id":null,"bound":null}',
        { id: t.actionId, bound: null },
        { id: t.actionId, bound: '$@9' },
        { id: t.actionId },
      ]);
    else if (how === 8) key = r.pick(['', 'k0', `k${'f'.repeat(5000)}`, '<script>']);
    else
      extras.push(
        ...Array.from({ length: r.int(50, 400) }, (_, i) => ({
          name: `${r.pick(['$ACTION_', 'x', '1_', '$ACTION_REF_'])}${i}`,
          value: Buffer.from('v'),
        })),
      );
    notes += ` structure#${how} drop=${drop} ctype=${contentType} close=${close} ref=${show(ref)} bound=${show(boundText ?? bound)} key=${show(key, 20)}`;
  }

  const parts: Part[] = [
    { name: '$ACTION_REF_1', value: Buffer.alloc(0) },
    { name: '$ACTION_1:0', value: Buffer.from(typeof ref === 'string' ? ref : JSON.stringify(ref)) },
    { name: '$ACTION_1:1', value: Buffer.from(boundText ?? JSON.stringify(bound)) },
    ...(key === null ? [] : [{ name: '$ACTION_KEY', value: Buffer.from(key) }]),
    ...Object.entries(fields).map(([name, value]) => ({ name, value: bytes(value) })),
    ...extras,
  ].filter((part) => part.name !== drop || extras.some((e) => e.name === drop && e === part));
  return {
    n,
    target: 'form',
    family,
    forgedKey: key !== t.actionKey || drop === '$ACTION_KEY',
    label: `form post #${n} [${family}] to /posts/${post.slug}: ${notes}`,
    method: 'POST',
    path: `/posts/${post.slug}`,
    headers: {
      'content-type': contentType ?? `multipart/form-data; boundary=${boundary}`,
      origin: t.base,
      accept: 'text/html',
    },
    body: multipart(parts, boundary, close),
  };
}

function actionCase(r: Rng, n: number, family: Family, t: Target): Case {
  const post = r.pick(t.commentPosts);
  const boundary = `----fuzz${r.hex(16)}`;
  let actionId = t.actionId;
  let contentType = `multipart/form-data; boundary=${boundary}`;
  let body: Buffer;
  let notes: string;
  const headers: Record<string, string> = { accept: 'text/x-component', origin: t.base };

  // The JS client's own encoding: bound arguments, then the previous state and the form as `$K1`.
  const asClient = (args: unknown, fields: Record<string, Parts>, extra: Part[] = []) =>
    multipart(
      [
        ...Object.entries(fields).map(([name, value]) => ({ name: `1_${name}`, value: bytes(value) })),
        { name: '0', value: Buffer.from(typeof args === 'string' ? args : JSON.stringify(args)) },
        ...extra,
      ],
      boundary,
    );

  if (family === 'structure') {
    const how = r.int(0, 9);
    const shapes = [
      '',
      'not json',
      '[]',
      '{}',
      '"x"',
      'null',
      '[{"status":"idle"}]',
      '[1,2,3]',
      `[${post.id},{"status":"idle"},"$K1"]`,
      `[${post.id},{"status":"idle"},"$@7"]`,
      `[${post.id},{"status":"idle"},"$Q1"]`,
      `[${post.id},{"status":"idle"},{"name":"a","email":"a@b.example","body":"hello there"}]`,
      `["$B1"]`,
      `["$W1"]`,
      `["$R1"]`,
      `["$r1"]`,
      `["$X1"]`,
      `["$l1"]`,
      `["$E(function(){})"]`,
      '["$$", "$@", "$"]',
    ];
    if (how <= 3) {
      contentType = r.pick(['text/plain;charset=UTF-8', 'application/json', 'text/plain']);
      body = Buffer.from(r.pick(shapes));
    } else if (how === 4) {
      contentType = r.pick(['text/plain;charset=UTF-8', 'application/json']);
      const depth = r.pick([1000, 10_000, 100_000]);
      body = Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    } else if (how === 5) {
      body = asClient(
        `[${post.id},{"status":"idle"},"$K1"]`,
        { name: [`F${n}`], email: [fuzzEmail(r, n)], body: ['Structured'] },
        [{ name: r.pick(['1', '2', '0']), value: Buffer.from(r.pick(shapes)) }],
      );
    } else if (how === 6) {
      contentType = r.pick([
        'multipart/form-data',
        `multipart/form-data; boundary=x${boundary}`,
        'application/octet-stream',
        'image/png',
        '',
      ]);
      body = asClient([post.id, { status: 'idle' }, '$K1'], {
        name: ['F'],
        email: [fuzzEmail(r, n)],
        body: ['Wrong type'],
      });
    } else if (how === 7) {
      body = Buffer.alloc(0);
      contentType = r.pick(['text/plain;charset=UTF-8', `multipart/form-data; boundary=${boundary}`]);
    } else if (how === 8) {
      headers['next-router-state-tree'] = r.pick([
        '%7B',
        'garbage',
        encodeURIComponent('["",{"children":["__PAGE__",{}]},null,null,true]'),
        '%5B%5D',
      ]);
      body = asClient([post.id, { status: 'idle' }, '$K1'], {
        name: [`F${n}`],
        email: [fuzzEmail(r, n)],
        body: ['With a router tree'],
      });
    } else {
      headers.origin = r.pick(['null', 'http://evil.example', 'not a url at all', `${t.base}.evil.example`]);
      body = asClient([post.id, { status: 'idle' }, '$K1'], {
        name: [`F${n}`],
        email: [fuzzEmail(r, n)],
        body: ['Cross origin'],
      });
    }
    notes = `structure#${how} ctype=${show(contentType)} origin=${show(headers.origin)} body=${show(body.toString('latin1'), 100)}`;
  } else if (family === 'ids-types') {
    const how = r.int(0, 3);
    if (how === 0)
      actionId = r.pick([
        r.hex(42),
        '',
        '0',
        'x'.repeat(5000),
        '../../',
        t.actionId.slice(0, 20),
        `${t.actionId}\u00ff`,
        '$@1',
      ]);
    const args =
      how === 1
        ? [badPostId(r, t), { status: 'idle' }, '$K1']
        : how === 2
          ? [post.id, r.pick(STATES), '$K1']
          : r.pick<unknown>([
              ['$K1'],
              [post.id, '$K1'],
              ['$K1', post.id, { status: 'idle' }],
              [post.id, { status: 'idle' }, '$K1', '$K1'],
            ]);
    body = asClient(args, { name: [`F${n}`], email: [fuzzEmail(r, n)], body: [`Forged ${n}`] });
    notes = `action=${show(actionId, 50)} args=${show(args)}`;
  } else if (family === 'huge' && r.chance(0.5)) {
    contentType = 'text/plain;charset=UTF-8';
    body = Buffer.from(
      JSON.stringify([post.id, { status: 'idle' }, 'x'.repeat(r.pick([100_000, 1_000_000, 1_100_000]))]),
    );
    notes = `a ${body.length}-byte JSON body`;
  } else if (family === 'invalid-utf8' && r.chance(0.4)) {
    contentType = r.pick(['text/plain;charset=UTF-8', 'text/plain']);
    body = Buffer.concat([
      Buffer.from(`[${post.id},{"status":"`),
      r.pick(RAW_BYTES),
      Buffer.from('"},"'),
      r.pick(RAW_BYTES),
      Buffer.from('"]'),
    ]);
    notes = `raw body ${show(body)}`;
  } else {
    const { fields, note } = commentFields(r, family, n);
    body = asClient([post.id, { status: 'idle' }, '$K1'], fields);
    notes = note;
  }
  headers['content-type'] = contentType;
  headers['next-action'] = actionId;
  return {
    n,
    target: 'action',
    family,
    label: `forged action call #${n} [${family}] to /posts/${post.slug}: ${notes}`,
    method: 'POST',
    path: `/posts/${post.slug}`,
    headers,
    body,
  };
}

function hostileJsonValue(r: Rng, family: Family): { raw: string | Buffer; shown: string } {
  const values: Record<Family, () => string | Buffer> = {
    injection: () => JSON.stringify(r.pick(INJECTION)),
    'control-bidi': () => JSON.stringify(r.pick(CONTROL) + 'x' + r.pick(CONTROL)),
    'invalid-utf8': () => Buffer.concat([Buffer.from('"a'), r.pick(RAW_BYTES), Buffer.from('b"')]),
    'percent-escape': () => JSON.stringify(r.pick(PERCENT)),
    huge: () => JSON.stringify('h'.repeat(r.pick([201, 200_001, 1_000_000]))),
    'ids-types': () =>
      r.pick([
        'NaN',
        'Infinity',
        '-1',
        '0',
        '1e309',
        '-1e309',
        '1.5',
        '2147483648',
        '99999999999999999999',
        '"1"',
        'null',
        'true',
        '[]',
        '{}',
        '"\\ud800"',
        '-0',
        '8.64e15',
        '-8.64e15',
      ]),
    structure: () => `${'['.repeat(r.pick([10, 1000, 50_000]))}${']'.repeat(r.pick([10, 1000, 50_000]))}`,
  };
  const raw = values[family]();
  return { raw, shown: show(raw) };
}

function adminCase(r: Rng, n: number, family: Family, t: Target): Case {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${SITE_ADMIN_TOKEN}`,
  };
  if (r.chance(0.06)) {
    const auth = r.pick([
      undefined,
      'Bearer',
      `Bearer ${SITE_ADMIN_TOKEN.slice(0, -1)}x`,
      `bearer  ${SITE_ADMIN_TOKEN}`,
      `Basic ${SITE_ADMIN_TOKEN}`,
      `Bearer ${'t'.repeat(8000)}`,
      `Bearer ${SITE_ADMIN_TOKEN}\u00ff`,
    ]);
    if (auth === undefined) delete headers.authorization;
    else headers.authorization = auth;
  }
  const endpoint = r.pick([
    'POST comments',
    'PATCH comments',
    'DELETE comments',
    'POST posts',
    'PATCH posts',
    'PATCH posts',
  ] as const);
  const post = r.pick(t.commentPosts);
  const ownPost = r.pick(t.adminPosts);
  const draft = r.pick(t.drafts);
  const id = (): string =>
    family === 'ids-types' || r.chance(0.2)
      ? r.pick([
          '0',
          '-1',
          '2147483648',
          '1e3',
          'NaN',
          '01',
          '1.0',
          '%00',
          String(2 ** 40),
          '1%20',
          'x',
          '99999999999999999999',
        ])
      : '';
  let path: string;
  let object: Record<string, string>;
  switch (endpoint) {
    case 'POST comments':
      path = '/api/admin/comments';
      object = {
        postId: String(post.id),
        authorName: JSON.stringify(`Admin fuzz ${n}`),
        authorEmail: JSON.stringify(fuzzEmail(r, n)),
        body: JSON.stringify(`Admin fuzz comment ${n}`),
      };
      break;
    case 'PATCH comments':
      path = `/api/admin/comments/${id() || r.pick(['1', '2', String(2 ** 31 - 1), '123456789'])}`;
      object = { status: JSON.stringify(r.pick(['spam', 'pending', 'published'])) };
      break;
    case 'DELETE comments':
      path = `/api/admin/comments/${id() || r.pick(['2147483647', '999999999'])}`;
      object = {};
      break;
    case 'POST posts':
      path = '/api/admin/posts';
      object = {
        slug: JSON.stringify(`fuzz-${n % 40}`),
        title: JSON.stringify(`Fuzz post ${n} ${r.pick(INJECTION)}`),
        body: JSON.stringify(`${r.pick(INJECTION)}\n\n${r.pick(INJECTION)}\n\nFuzz ${n}.`),
        status: JSON.stringify(r.pick(['draft', 'published'])),
        tags: JSON.stringify(r.chance(0.5) ? ['fuzz'] : []),
      };
      break;
    default:
      path = `/api/admin/posts/${id() || String(r.pick([ownPost.id, draft.id, 999999]))}`;
      object = r.pick<Record<string, string>>([
        { title: JSON.stringify(`Renamed ${n} ${r.pick(INJECTION)}`) },
        { body: JSON.stringify(`Body ${n}`) },
        { tags: '["fuzz"]' },
        {},
      ]);
      break;
  }
  const keys = [
    'postId',
    'authorName',
    'authorEmail',
    'body',
    'status',
    'slug',
    'title',
    'publishedAt',
    'tags',
    'id',
    '__proto__',
    'constructor',
  ];
  const mutated: Record<string, string | Buffer> = { ...object };
  let body: Buffer | undefined;
  let note = '';
  if (family === 'structure' && r.chance(0.5)) {
    body = Buffer.from(
      r.pick([
        '',
        'null',
        '[]',
        '"x"',
        '{',
        '{"a":1,}',
        `{"__proto__":{"isAdmin":true},"status":"spam"}`,
        'x'.repeat(1000),
        `{"title":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`,
      ]),
    );
    note = `body=${show(body.toString('latin1'))}`;
    if (r.chance(0.3))
      headers['content-type'] = r.pick(['text/plain', 'multipart/form-data', 'application/x-www-form-urlencoded']);
  } else if (family === 'huge' && r.chance(0.3)) {
    body = Buffer.from(
      JSON.stringify({
        ...Object.fromEntries(Object.entries(object).map(([k, v]) => [k, JSON.parse(v) as unknown])),
        padding: 'p'.repeat(1_000_000),
      }),
    );
    note = `a ${body.length}-byte body with an extra field`;
  } else {
    if (family !== 'ids-types' || r.chance(0.5)) {
      const key = r.pick([...Object.keys(object), ...keys]);
      if (r.chance(0.1)) {
        delete mutated[key];
        note = `without ${key}`;
      } else {
        const value = hostileJsonValue(r, family);
        mutated[key] = value.raw;
        note = `${key}=${value.shown}`;
      }
    }
    if (endpoint !== 'DELETE comments')
      body = bytes([
        '{',
        ...Object.entries(mutated).flatMap(([k, v], i) => [i > 0 ? ',' : '', `${JSON.stringify(k)}:`, v]),
        '}',
      ]);
  }
  return {
    n,
    target: 'admin',
    family,
    label: `admin ${endpoint} #${n} [${family}] ${path}: ${note} auth=${show(headers.authorization ?? '(none)', 30)}`,
    method: endpoint.split(' ')[0]!,
    path,
    headers,
    body,
  };
}

/** Values at the edges of what the database takes, which random picks would rarely combine. */
function adminEdges(t: Target, next: () => number): Case[] {
  const own = t.adminPosts[0]!;
  const other = t.adminPosts[1]!;
  const draft = t.drafts[0]!;
  const edges: [string, string, string][] = [
    ['PATCH', `/api/admin/posts/${own.id}`, '{"publishedAt":-8.64e15}'],
    ['PATCH', `/api/admin/posts/${own.id}`, '{"publishedAt":"-001000-01-01T00:00:00Z"}'],
    ['PATCH', `/api/admin/posts/${own.id}`, '{"publishedAt":8.64e15}'],
    ['PATCH', `/api/admin/posts/${own.id}`, '{"publishedAt":"+275760-09-13T00:00:00.000Z"}'],
    ['PATCH', `/api/admin/posts/${other.id}`, '{"publishedAt":null}'],
    ['PATCH', `/api/admin/posts/${draft.id}`, '{"status":"published","publishedAt":null}'],
    ['PATCH', `/api/admin/posts/${draft.id}`, '{"title":"a\\u0000b"}'],
    ['PATCH', `/api/admin/posts/${other.id}`, `{"slug":${JSON.stringify(draft.slug)}}`],
    [
      'PATCH',
      `/api/admin/posts/${other.id}`,
      `{"tags":${JSON.stringify(Array.from({ length: 12 }, (_, i) => `t${i}`))}}`,
    ],
    [
      'POST',
      '/api/admin/posts',
      '{"slug":"fuzz-edge-a","title":"Edge","body":"x","status":"published","publishedAt":-8.64e15}',
    ],
    [
      'POST',
      '/api/admin/posts',
      '{"slug":"fuzz-edge-b","title":"Edge","body":"x","status":"published","publishedAt":null}',
    ],
    ['POST', '/api/admin/posts', '{"slug":"fuzz-edge-c","title":"Edge","body":"a\\u0000b","status":"draft"}'],
    [
      'POST',
      '/api/admin/comments',
      `{"postId":${draft.id},"authorName":"A","authorEmail":"edge@fuzz-mail.example","body":"On a draft."}`,
    ],
    [
      'POST',
      '/api/admin/comments',
      `{"postId":2147483647,"authorName":"A","authorEmail":"edge2@fuzz-mail.example","body":"On nothing."}`,
    ],
  ];
  return edges.map(([method, path, body]) => {
    const n = next();
    return {
      n,
      target: 'admin',
      family: 'ids-types',
      label: `admin edge #${n} ${method} ${path}: ${body}`,
      method,
      path,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SITE_ADMIN_TOKEN}` },
      body: Buffer.from(body),
    };
  });
}

function routeValue(r: Rng, family: Family, t: Target): string | Buffer {
  switch (family) {
    case 'injection':
      return r.pick([
        `<script>${PWN}</script>`,
        `"><svg onload=${PWN}>`,
        `javascript:${PWN}`,
        '$@1',
        '{"__proto__":1}',
        '%3Cscript%3E',
      ]);
    case 'control-bidi':
      return r.pick([
        '%00',
        'a%00b',
        '%1B%5B31m',
        '%E2%80%AE',
        'x%07',
        '%08',
        '%7F',
        '%0A',
        '%0D%0A',
        `${r.pick(t.tags)}%E2%80%AE`,
        'caching%00',
        '\u202Ecaching',
      ]);
    case 'invalid-utf8':
      return r.pick([
        Buffer.from([0xff]),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from('caching\u00ff', 'latin1'),
        '%FF',
        '%C0%AF',
        '%ED%A0%80',
        '%F4%90%80%80',
        '%E2%82',
        '\uD800',
      ]);
    case 'percent-escape':
      return r.pick(
        PERCENT.concat([
          '%E0%A4%A',
          'caching%',
          '%2e%2e',
          '..',
          '.',
          '%2e',
          '..%2F..%2Fetc%2Fpasswd',
          '%252e%252e',
          'caching%2Fpage',
        ]),
      );
    case 'huge':
      return r.pick([
        'x'.repeat(5000),
        'a-'.repeat(60) + 'b',
        '9'.repeat(400),
        'x'.repeat(101),
        '1'.repeat(10),
        '%41'.repeat(2000),
        'é'.repeat(1000),
      ]);
    case 'ids-types':
      return r.pick([
        '-1',
        '0',
        '00',
        '01',
        '1e3',
        '0x10',
        '2147483648',
        '2147483647',
        '99999999999999999999',
        '1.5',
        'NaN',
        'Infinity',
        '+1',
        ' 1',
        '1 ',
        String(r.pick(t.drafts).id),
        r.pick(t.drafts).slug,
        'null',
        'undefined',
        '[]',
        '{}',
        'true',
      ]);
    default:
      return r.pick(['', '/', '//', 'caching/', 'a/b/c', '?x=1', '#x', ';x', 'caching;jsessionid=1']);
  }
}

function routeCase(r: Rng, n: number, family: Family, t: Target): Case {
  const value = pathSegment(routeValue(r, family, t));
  const template = r.pick([
    'GET /posts/{}',
    'GET /tags/{}',
    'GET /tags/{}/page/2',
    'GET /tags/caching/page/{}',
    'GET /page/{}',
    'GET /stats/post/{}',
    'PATCH /api/admin/posts/{}',
    'PATCH /api/admin/comments/{}',
    'DELETE /api/admin/comments/{}',
    'GET /api/admin/posts/{}',
  ]);
  const [method, shape] = template.split(' ') as [string, string];
  // A real small id through DELETE would remove a stored comment; the fuzz wants the refusals.
  const safe = method === 'DELETE' && /^[1-9]\d{0,8}$/.test(value) ? `${value}0000000000` : value;
  let path = shape.replace('{}', safe);
  const headers: Record<string, string> = { authorization: `Bearer ${SITE_ADMIN_TOKEN}` };
  let body: Buffer | undefined;
  if (method === 'PATCH') {
    headers['content-type'] = 'application/json';
    body = Buffer.from(shape.includes('comments') ? '{"status":"spam"}' : '{}');
  }
  if (r.chance(0.15)) path += r.pick(['?page=-1', '?__proto__[x]=1', '?_rsc=%ZZ', `?q=${'%FF'.repeat(10)}`, '?x=%00']);
  if (method === 'GET' && r.chance(0.15)) {
    headers.rsc = '1';
    headers['next-router-state-tree'] = r.pick(['%7B', 'garbage', '%5B%5D']);
  }
  return {
    n,
    target: 'route',
    family,
    label: `route #${n} [${family}] ${method} ${path.slice(0, 200)}${headers.rsc ? ' (RSC request)' : ''}`,
    method,
    path,
    headers,
    body,
  };
}

// ---------------------------------------------------------------------------------------------
// Judging answers

const ACCEPTED_HTML = /your comment is published\.[\s\S]{0,80}?href="#comment-(\d+)"/g;
// Inside a comment's own text these quotes would be escaped, so only the server can write this.
const ACCEPTED_FLIGHT = /"status":"published","commentId":(\d+)/g;

function acceptedIds(c: Case, reply: Reply): number[] {
  if (c.target === 'admin') {
    if (reply.status !== 201 || !c.path.startsWith('/api/admin/comments')) return [];
    return [(JSON.parse(reply.text) as { id: number }).id];
  }
  if (c.target === 'form') return [...reply.text.matchAll(ACCEPTED_HTML)].map((m) => Number(m[1]));
  if (c.target === 'action') return [...new Set([...reply.text.matchAll(ACCEPTED_FLIGHT)].map((m) => Number(m[1])))];
  return [];
}

const htmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');

/** Private strings in an answer that its own request did not carry. */
function leaksIn(o: Outcome, emailsByDomain: Map<string, string[]>, drafts: string[], checkDrafts: boolean): string[] {
  if (!o.reply) return [];
  const answer = `${o.reply.headers}\n${o.reply.text}`;
  const lower = answer.toLowerCase();
  const asked = `${o.c.path}\n${o.c.body?.toString('utf8') ?? ''}`.toLowerCase();
  const found = new Set<string>();
  for (let at = lower.indexOf('@'); at !== -1; at = lower.indexOf('@', at + 1)) {
    for (const [domain, locals] of emailsByDomain) {
      if (!lower.startsWith(domain, at + 1)) continue;
      for (const local of locals) {
        // Found as sent, or as HTML writes it; the request's own address may come back to it.
        const forms = [local, htmlEscape(local)];
        if (forms.some((form) => lower.startsWith(form, at - form.length)) && !asked.includes(`${local}@${domain}`))
          found.add(`e-mail ${local}@${domain}`);
      }
    }
  }
  if (checkDrafts) {
    for (const secret of drafts) {
      const forms = [secret, htmlEscape(secret), JSON.stringify(secret).slice(1, -1)];
      if (forms.some((form) => answer.includes(form)) && !asked.includes(secret.toLowerCase()))
        found.add(`draft ${show(secret)}`);
    }
  }
  return [...found];
}

// Characters no stored comment may keep: NUL, the disguising controls and the bidi overrides.
const FORBIDDEN_STORED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

// ---------------------------------------------------------------------------------------------

test.describe('fuzz', () => {
  const site = new OwnSite();
  let server: SiteServer;

  test.beforeAll(async () => {
    await site.open('fuzz');
    server = await site.start({
      COMMENT_RATE_LIMIT: 'off',
      COMMENT_MIN_FILL_SECONDS: '0',
      COMMENT_MAX_LINKS: '1000',
      COMMENT_MODERATION: 'off',
    });
  });

  test.afterAll(async () => {
    agent.destroy();
    await server?.stop();
    if (server) await writeFile(path.join('test-results', 'fuzz-server-output.txt'), server.output());
    await site.close();
  });

  test(`hostile input never causes a 5xx, a leak, a half-written record or a running script (seed 0x${SEED.toString(16)})`, async ({
    page,
  }) => {
    test.setTimeout(240_000);
    const started = Date.now();
    const r = new Rng(SEED);
    console.log(`[fuzz] seed 0x${SEED.toString(16)} (set FUZZ_SEED to try another)`);

    const published = await site.publishedNewestFirst();
    const drafts0 = await site.sql<
      { id: number; slug: string; title: string }[]
    >`select id, slug, title from posts where status <> 'published' order by id`;
    const tagRows = await site.sql<{ name: string }[]>`select name from tags order by name`;
    const maxCommentId = (await site.sql<{ max: number }[]>`select coalesce(max(id), 0)::int as max from comments`)[0]!
      .max;
    expect(drafts0.length, 'the seeded site has drafts to keep secret').toBeGreaterThan(0);
    const commentPosts = published.slice(20, 25);
    const formPage = await (await fetch(`${server.base}/posts/${commentPosts[0]!.slug}`)).text();
    const actionId = formPage.match(/name="\$ACTION_1:0" value="\{&quot;id&quot;:&quot;([0-9a-f]+)&quot;/)?.[1];
    const actionKey = formPage.match(/name="\$ACTION_KEY" value="([^"]+)"/)?.[1];
    expect(actionId, 'the rendered form carries its action id').toBeTruthy();
    expect(actionKey, 'the rendered form carries its action key').toBeTruthy();
    const target: Target = {
      base: server.base,
      actionId: actionId!,
      actionKey: actionKey!,
      commentPosts,
      adminPosts: published.slice(30, 32),
      drafts: drafts0,
      tags: tagRows.map((t) => t.name),
      maxCommentId,
    };

    const outcomes: Outcome[] = [];
    const run = async (cases: Case[]) => {
      const done = await inPool(cases, CONCURRENCY, async (c): Promise<Outcome> => {
        try {
          const reply = await send(server.base, c);
          let accepted: number[] = [];
          try {
            accepted = acceptedIds(c, reply);
          } catch (error) {
            return { c, reply, accepted, error: `unreadable answer: ${String(error)}` };
          }
          return { c, reply, accepted };
        } catch (error) {
          return { c, reply: null, accepted: [], error: String(error) };
        }
      });
      outcomes.push(...done);
      return done;
    };

    // Generated up front, in order, so a seed always means the same inputs whatever the timing.
    let n = 0;
    const generate = (count: number, make: (r: Rng, n: number, family: Family, t: Target) => Case) =>
      Array.from({ length: count }, () => {
        n += 1;
        return make(r, n, r.pick(FAMILIES), target);
      });

    // The admin API first: it may add or change posts, and the drafts to keep secret are read after it.
    await test.step('admin API', async () => {
      await run([...generate(140, adminCase), ...adminEdges(target, () => ++n)]);
    });
    const drafts = await site.sql<
      { id: number; slug: string; title: string }[]
    >`select id, slug, title from posts where status <> 'published' order by id`;
    target.drafts = drafts.length > 0 ? drafts : drafts0;
    const adminCount = outcomes.length;

    await test.step('route parameters, the form without JavaScript and forged action calls', async () => {
      const mixed = [...generate(150, routeCase), ...generate(150, formCase), ...generate(130, actionCase)];
      // Interleaved, so writes and reads of the same pages overlap as they would in real traffic.
      for (let i = mixed.length - 1; i > 0; i -= 1) {
        const j = r.int(0, i);
        [mixed[i], mixed[j]] = [mixed[j]!, mixed[i]!];
      }
      await run(mixed);
    });

    // --- no 5xx, and every request answered
    const failures: string[] = [];
    for (const o of outcomes) {
      if (o.error) failures.push(`${o.c.label}\n    → ${o.error}`);
      else if (o.reply!.status >= 500)
        failures.push(`${o.c.label}\n    → ${o.reply!.status}: ${o.reply!.text.slice(0, 200)}`);
    }

    // --- no leaks
    const emailRows = await site.sql<{ author_email: string }[]>`select distinct author_email from comments`;
    const emailsByDomain = new Map<string, string[]>();
    for (const { author_email: email } of emailRows) {
      const at = email.lastIndexOf('@');
      if (at <= 0) continue;
      const domain = email.slice(at + 1).toLowerCase();
      const local = email.slice(0, at).toLowerCase();
      emailsByDomain.set(domain, [...new Set([...(emailsByDomain.get(domain) ?? []), local])]);
    }
    // A draft the admin fuzz titled with one of the payloads is no secret: every request carries those.
    const generic = new Set([...INJECTION, ...PERCENT, ...CONTROL, ...UNICODE].map((s) => s.trim()));
    const draftSecrets = target.drafts
      .flatMap((d) => [d.slug, d.title])
      .filter((s) => s.length >= 8 && !generic.has(s.trim()));
    const leaks: string[] = [];
    outcomes.forEach((o, i) => {
      // The admin sees drafts by design (with the right token); everyone else may not.
      const asAdmin =
        o.c.path.startsWith('/api/admin/') &&
        o.c.headers.authorization === `Bearer ${SITE_ADMIN_TOKEN}` &&
        o.reply?.status !== 401;
      const found = leaksIn(o, emailsByDomain, draftSecrets, i >= adminCount && !asAdmin);
      if (found.length > 0) leaks.push(`${o.c.label}\n    → ${found.join(', ')}`);
    });

    // --- every stored comment accepted, every accepted one stored, each one the form would take
    const accepted = new Set(outcomes.flatMap((o) => o.accepted));
    const stored = await site.sql<
      { id: number; post_id: number; author_name: string; author_email: string; body: string }[]
    >`
      select id, post_id, author_name, author_email, body from comments where id > ${maxCommentId} order by id`;
    const storedIds = new Set(stored.map((c) => c.id));
    const lost = [...accepted].filter((id) => !storedIds.has(id));
    // A no-JS post with a forged $ACTION_KEY still runs the action, but React drops the form state
    // whose key does not match: the answer lists the new comment without the thank-you. Such a
    // comment counts as accepted when the answer to its own request lists it.
    const senderOf = (email: string) => outcomes.find((o) => o.c.body?.toString('utf8').includes(email));
    let listedOnly = 0;
    const unannounced: string[] = [];
    for (const c of stored.filter((c) => !accepted.has(c.id))) {
      const sender = senderOf(c.author_email);
      if (sender?.c.forgedKey && sender.reply?.text.includes(`id="comment-${c.id}"`)) {
        listedOnly += 1;
        accepted.add(c.id);
        continue;
      }
      unannounced.push(
        `comment ${c.id} from ${sender ? `${sender.c.label}\n    → ${sender.reply?.status ?? sender.error}: ${sender.reply?.text.slice(0, 300)}` : 'an unknown request'}`,
      );
    }
    const invalidStored: string[] = [];
    for (const c of stored) {
      const values = { name: c.author_name, email: c.author_email, body: c.body };
      const parsed = CommentInput.safeParse(values);
      if (!parsed.success)
        invalidStored.push(`comment ${c.id} ${show(values)}: ${parsed.error.issues.map((i) => i.message).join(' ')}`);
      else if (JSON.stringify(parsed.data) !== JSON.stringify(values))
        invalidStored.push(`comment ${c.id} is not stored as the form leaves it: ${show(values)}`);
      if (FORBIDDEN_STORED.test(c.author_name + c.author_email + c.body))
        invalidStored.push(`comment ${c.id} keeps a control or bidi character: ${show(values)}`);
    }
    await expect
      .poll(
        async () =>
          (await site.sql<{ n: number }[]>`select count(*)::int as n from invalidations where applied_at is null`)[0]!
            .n,
        {
          message: 'every invalidation in the outbox is applied',
          timeout: 15_000,
        },
      )
      .toBe(0);

    // --- figures
    const byTargetFamily = new Map<string, number>();
    for (const o of outcomes)
      byTargetFamily.set(`${o.c.target}/${o.c.family}`, (byTargetFamily.get(`${o.c.target}/${o.c.family}`) ?? 0) + 1);
    const statuses = new Map<number, number>();
    for (const o of outcomes) statuses.set(o.reply?.status ?? 0, (statuses.get(o.reply?.status ?? 0) ?? 0) + 1);
    const fiveXx = outcomes.filter((o) => (o.reply?.status ?? 0) >= 500).length;
    const summary = [
      `[fuzz] seed 0x${SEED.toString(16)}: ${outcomes.length} inputs tried in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `[fuzz] per target: ${['form', 'action', 'admin', 'route'].map((t) => `${t} ${outcomes.filter((o) => o.c.target === t).length}`).join(', ')}`,
      `[fuzz] per family: ${FAMILIES.map((f) => `${f} ${outcomes.filter((o) => o.c.family === f).length}`).join(', ')}`,
      `[fuzz] per target/family: ${[...byTargetFamily]
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      `[fuzz] statuses: ${[...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, c]) => `${s || 'no answer'}×${c}`)
        .join(', ')}`,
      `[fuzz] 5xx: ${fiveXx}; unanswered: ${outcomes.filter((o) => !o.reply).length}; comments accepted: ${accepted.size} (${listedOnly} shown in the list only, their $ACTION_KEY forged), stored: ${stored.length}, lost: ${lost.length}, stored unannounced: ${unannounced.length}, stored invalid: ${invalidStored.length}; leaks: ${leaks.length}`,
    ];
    console.log(summary.join('\n'));
    expect(outcomes.length, 'inputs tried').toBeGreaterThanOrEqual(500);
    expect.soft(failures, `answers with a 5xx or none at all:\n${failures.join('\n')}`).toEqual([]);
    expect.soft(leaks, `answers with a commenter's e-mail or a draft:\n${leaks.join('\n')}`).toEqual([]);
    expect.soft(lost, 'comments answered as accepted but not stored').toEqual([]);
    expect.soft(unannounced, 'comments stored without an answer that said so').toEqual([]);
    expect.soft(invalidStored, 'stored comments the form would not accept as they are').toEqual([]);
    expect(accepted.size, 'some hostile comments are plain text the form accepts').toBeGreaterThan(20);

    // --- nothing runs in a browser
    await test.step('every page with fuzzed content, in Chromium', async () => {
      const dialogs: string[] = [];
      page.on('dialog', async (dialog) => {
        dialogs.push(`${page.url()}: ${dialog.type()} ${dialog.message()}`);
        await dialog.dismiss();
      });
      const postsWithComments = await site.sql<{ slug: string }[]>`
        select distinct p.slug from comments c join posts p on p.id = c.post_id where c.id > ${maxCommentId} and c.status = 'published' and p.status = 'published'`;
      const changedPosts = await site.sql<
        { slug: string }[]
      >`select slug from posts where status = 'published' and (slug like 'fuzz-%' or id = any(${target.adminPosts.map((p) => p.id)}))`;
      const paths = [
        '/',
        '/tags/fuzz',
        ...new Set([...postsWithComments, ...changedPosts].map((p) => `/posts/${p.slug}`)),
      ];
      const pwned: string[] = [];
      for (const path of paths) {
        const response = await page.goto(`${server.base}${path}`, { waitUntil: 'load' });
        expect.soft(response?.status() ?? 0, `${path} in the browser`).toBeLessThan(500);
        // Error handlers of broken images fire before load; give any timer a payload set a turn too.
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
        const state = await page.evaluate(() => ({
          pwned: (window as unknown as { __fuzzPwned?: unknown }).__fuzzPwned,
          polluted: ({} as { polluted?: unknown }).polluted,
          scriptLinks: [...document.querySelectorAll('a[href]')].filter(
            (a) =>
              /^\s*(javascript|data|vbscript):/i.test(a.getAttribute('href') ?? '') ||
              (a as HTMLAnchorElement).protocol === 'javascript:',
          ).length,
          iframes: document.querySelectorAll('iframe, object, embed').length,
        }));
        if (state.pwned !== undefined) pwned.push(`${path}: window.__fuzzPwned was set`);
        if (state.polluted !== undefined) pwned.push(`${path}: Object.prototype was polluted`);
        if (state.scriptLinks > 0) pwned.push(`${path}: ${state.scriptLinks} link(s) to a script URL`);
        if (state.iframes > 0) pwned.push(`${path}: ${state.iframes} embedded frame(s)`);
      }
      console.log(
        `[fuzz] opened ${paths.length} pages in Chromium; scripts run: ${pwned.length}, dialogs: ${dialogs.length}`,
      );
      expect.soft(pwned, 'payloads that took effect in the browser').toEqual([]);
      expect.soft(dialogs, 'dialogs opened by payloads').toEqual([]);
    });
    console.log(`[fuzz] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
