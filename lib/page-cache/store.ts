import { createHash, randomUUID } from 'node:crypto';
import type { InvalidationEvent } from '@/db/schema';
import { openRedisConnection, type RedisConnection } from '@/lib/core/redis-connection';
import { slotPrefix } from '@/lib/core/redis-keys';
import type { ReadPage } from './warming';

/*
 * The shared page cache in Redis: entries scoped to one build, and one time-stamped record per
 * invalidated tag shared by every build, process and host.
 *
 *   <p>:tags            hash  tag → when it was last invalidated (ms, Redis's clock)
 *   <p>:tag-events      hash  tag → the event that last invalidated it (JSON), to explain rebuilds
 *   <p>:epoch           int   bumped by every invalidation: an unchanged epoch means nothing changed
 *   <p>:clock           int   the last time an invalidation issued (ms): times never repeat or go back
 *   <p>:prep:<token>    text  a change about to be applied, whose pages are being rendered ahead (JSON)
 *   <p>:generation      text  random, set once; a Redis that lost its data gets a new one
 *   <p>:b:<build>:e:<h> text  "<lastModified>\n{tags, key}\n<entry JSON>", with a TTL
 *   <p>:b:<build>:l:<h> text  the rebuild lock of one page
 *   <p>:b:<build>:n:<t> hash  entry key → an entry rendered ahead of change <t>, installed with it
 *   <p>:b:<build>:w:…   the pages read lately, for warming (./warming.ts): `reads` zset page → last
 *                       read, `count` zset page → reads, `meta` hash page → tags (JSON), `t:<tag>`
 *                       set of the pages carrying the tag; bounded, with a TTL
 *
 * Invalidating a tag is one HSET, whatever the number of cached pages. An entry is fresh while
 * none of its tags was invalidated at or after its `lastModified`, which is when the render that
 * made it *started* (Redis's clock, read by the check that found the page missing): a render that
 * raced an invalidation is never stored as fresh. Every time is Redis's own, so hosts' clocks need
 * not agree.
 *
 * Rendering ahead (./prepare.ts): a writer's change is committed but not yet applied while the
 * pages that depend on it are rendered with its tags' data read afresh; the invalidation then
 * installs those renders in the same script that marks the tags, stamped just after the marks, so
 * a reader sees the old page until the change is applied and the new page, already rendered, from
 * then on. A render ahead whose tags another change marked after it began is dropped instead.
 *
 * The tag records and the generation carry no TTL and must never be evicted while entries stay:
 * run Redis with `maxmemory-policy noeviction` or a `volatile-*` policy (entries all have a TTL).
 */

// Redis's clock in ms, always later than the last time an invalidation issued (the clock key):
// a render whose check ran after an invalidation starts after it even within the same millisecond,
// and an invalidation after a check is never earlier than the render that check began.
const NOW = (clockKey: string) => `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local clock = tonumber(redis.call('GET', ${clockKey}) or '0')
if now <= clock then now = clock + 1 end
`;

// The generation (set by the first check, from ARGV[2]) and the epoch.
const GENERATION_AND_EPOCH = `
local generation = redis.call('GET', KEYS[3])
if not generation then
  redis.call('SET', KEYS[3], ARGV[2])
  generation = ARGV[2]
end
local epoch = redis.call('GET', KEYS[2]) or '0'`;

const CHECK = `${NOW('KEYS[4]')}${GENERATION_AND_EPOCH}
local out = {now, epoch, generation}
if epoch == ARGV[1] or #ARGV < 3 then return out end
local times = redis.call('HMGET', KEYS[1], unpack(ARGV, 3))
for i = 1, #times do out[3 + i] = times[i] or '0' end
return out`;

// An entry (KEYS[5]) and, in the same instant, the check of its tags (its second line) and of
// those asked about (ARGV[3…]): no invalidation, nor the install of a render ahead, falls between
// the read and its check, which would have a current entry taken for the stale one it replaced.
const READ = `${NOW('KEYS[4]')}${GENERATION_AND_EPOCH}
local text = redis.call('GET', KEYS[5])
local out = {now, epoch, generation, text}
if not text then return out end
local a = string.find(text, '\\n', 1, true)
local b = string.find(text, '\\n', a + 1, true)
local tags = cjson.decode(string.sub(text, a + 1, b - 1)).tags
for i = 3, #ARGV do tags[#tags + 1] = ARGV[i] end
if #tags == 0 then return out end
local times = redis.call('HMGET', KEYS[1], unpack(tags))
for i = 1, #times do out[4 + i] = times[i] or '0' end
return out`;

// Marks the tags at a time later than any issued before, so that an entry stamped just after an
// earlier mark (an installed render ahead) is always older than the next one. Then installs the
// renders ahead of this change (KEYS[5], may be absent) whose tags nobody marked since they began.
const INVALIDATE = `${NOW('KEYS[4]')}
local install = {}
if KEYS[5] then
  local prepared = redis.call('HGETALL', KEYS[5])
  for i = 1, #prepared, 2 do
    local text = prepared[i + 1]
    local a = string.find(text, '\\n', 1, true)
    local b = string.find(text, '\\n', a + 1, true)
    local c = string.find(text, '\\n', b + 1, true)
    local start = tonumber(string.sub(text, a + 1, b - 1))
    local meta = cjson.decode(string.sub(text, b + 1, c - 1))
    local raced = false
    for _, tag in ipairs(meta.tags) do
      if tonumber(redis.call('HGET', KEYS[1], tag) or '0') >= start then raced = true break end
    end
    if not raced then install[#install + 1] = {prepared[i], string.sub(text, 1, a - 1), string.sub(text, b)} end
  end
  redis.call('DEL', KEYS[5], KEYS[6])
end
for i = 2, #ARGV do
  if now > tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0') then redis.call('HSET', KEYS[1], ARGV[i], now) end
  if ARGV[1] ~= '' then redis.call('HSET', KEYS[3], ARGV[i], ARGV[1]) end
end
for _, entry in ipairs(install) do
  redis.call('SET', entry[1], (now + 1) .. entry[3], 'EX', entry[2])
end
redis.call('SET', KEYS[4], #install > 0 and now + 1 or now)
redis.call('INCR', KEYS[2])
return {now, #install}`;

// Refuses an entry whose render started at or before an invalidation of one of its tags, and one
// older than the entry already stored (another server's later render).
const PUT = `
local start = tonumber(ARGV[2])
for i = 5, #ARGV do
  local at = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0')
  if at >= start then
    if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
    return 0
  end
end
local current = redis.call('GET', KEYS[1])
if current then
  local stored = tonumber(string.match(current, '^(%d+)'))
  if stored and stored > start then return 2 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
return 1`;

// Pages read lately, for warming: each read page's time, count and tags, and the page in each of
// its tags' sets. Pages past the window, or past the bound (the least recently read), are forgotten.
// A page whose tags changed may stay in an old tag's set: the lookup drops it there.
const RECORD_READS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local prefix, limit, window, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function forget(page)
  local meta = redis.call('HGET', KEYS[3], page)
  if meta then for _, tag in ipairs(cjson.decode(meta)) do redis.call('SREM', prefix .. tag, page) end end
  redis.call('HDEL', KEYS[3], page)
  redis.call('ZREM', KEYS[1], page)
  redis.call('ZREM', KEYS[2], page)
end
for i = 5, #ARGV, 3 do
  local page = ARGV[i]
  redis.call('ZADD', KEYS[1], now, page)
  redis.call('ZINCRBY', KEYS[2], ARGV[i + 1], page)
  redis.call('HSET', KEYS[3], page, ARGV[i + 2])
  for _, tag in ipairs(cjson.decode(ARGV[i + 2])) do
    redis.call('SADD', prefix .. tag, page)
    redis.call('EXPIRE', prefix .. tag, ttl)
  end
end
for _, page in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('(%d', now - window), 'LIMIT', 0, 1000)) do forget(page) end
local over = redis.call('ZCARD', KEYS[1]) - limit
if over > 0 then for _, page in ipairs(redis.call('ZRANGE', KEYS[1], 0, over - 1)) do forget(page) end end
for k = 1, 3 do redis.call('EXPIRE', KEYS[k], ttl) end
return now`;

const READ_WITH = `
local t = redis.call('TIME')
local out = {tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)}
local seen = {}
for i = 2, #ARGV do
  local set = ARGV[1] .. ARGV[i]
  for _, page in ipairs(redis.call('SMEMBERS', set)) do
    if not seen[page] then
      seen[page] = true
      local meta = redis.call('HGET', KEYS[3], page)
      if meta then
        out[#out + 1] = page
        out[#out + 1] = redis.call('ZSCORE', KEYS[1], page) or '0'
        out[#out + 1] = redis.call('ZSCORE', KEYS[2], page) or '0'
        out[#out + 1] = meta
      else
        redis.call('SREM', set, page)
      end
    end
  end
end
return out`;

const PUT_AHEAD = `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) redis.call('EXPIRE', KEYS[1], ARGV[3]) return 1`;

/** Tags one invalidation script marks at most; a larger change is applied in several. */
export const INVALIDATE_BATCH = 1000;

/** Renders ahead of a change wait this long at most for it to be applied; then they are forgotten. */
export const AHEAD_TTL_SECONDS = 60;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface TagCheck {
  /** Redis's clock, ms. */
  now: number;
  epoch: string;
  generation: string;
  /** Invalidation times of the tags asked about, in order (0: never); null when the epoch was the one given. */
  times: number[] | null;
}

export interface StoredEntry {
  lastModified: number;
  tags: string[];
  /** The entry as serialised (lib/page-cache/serialize.ts): decoded by the caller. */
  body: string;
}

/** A change committed and about to be applied: its tags, and the event that explains it. */
export interface PendingChange {
  tags: string[];
  event: InvalidationEvent | null;
}

export type PutOutcome = 'stored' | 'raced' | 'older';

export interface SharedStoreOptions {
  url: string;
  prefix: string;
  buildId: string;
  commandTimeoutMs: number;
  onReady?: () => void;
  onLost?: () => void;
}

function parseMeta(line: string | undefined): { key: string; tags: string[] } | null {
  try {
    const meta = JSON.parse(line ?? '') as { tags?: unknown; key?: unknown };
    return typeof meta.key === 'string' && Array.isArray(meta.tags)
      ? { key: meta.key, tags: meta.tags.map(String) }
      : null;
  } catch {
    // An entry whose tags run past the bytes read, or one expiring as it was read.
    return null;
  }
}

const hash = (key: string) => createHash('sha256').update(key).digest('base64url');

export class SharedStore {
  private readonly connection: RedisConnection;
  private readonly keys;
  private shas = new Map<string, string>();

  constructor(options: SharedStoreOptions) {
    this.connection = openRedisConnection(options.url, {
      label: '[cache]',
      commandTimeoutMs: options.commandTimeoutMs,
      onReady: options.onReady,
      onLost: options.onLost,
    });
    const p = slotPrefix(options.prefix);
    const build = `${p}:b:${options.buildId}`;
    this.keys = {
      tags: `${p}:tags`,
      tagEvents: `${p}:tag-events`,
      epoch: `${p}:epoch`,
      generation: `${p}:generation`,
      clock: `${p}:clock`,
      change: (token: string) => `${p}:prep:${token}`,
      prepared: (token: string) => `${build}:n:${token}`,
      entry: (key: string) => `${build}:e:${hash(key)}`,
      entries: `${build}:e:*`,
      lock: (key: string) => `${build}:l:${hash(key)}`,
      reads: [`${build}:w:reads`, `${build}:w:count`, `${build}:w:meta`],
      readTag: `${build}:w:t:`,
    };
  }

  get isReady(): boolean {
    return this.connection.isReady;
  }

  /** Resolves once connected, or throws when Redis cannot be reached. */
  connected(): Promise<void> {
    return this.connection.connected();
  }

  /** The clock, epoch and generation, and the tags' invalidation times unless `knownEpoch` is current. */
  async check(tags: readonly string[], knownEpoch: string | null): Promise<TagCheck> {
    const reply = (await this.script(
      CHECK,
      [this.keys.tags, this.keys.epoch, this.keys.generation, this.keys.clock],
      // A new candidate each time: one this process offered before would hide a Redis that came back empty.
      [knownEpoch ?? '', randomUUID(), ...tags],
    )) as (number | string)[];
    const [now, epoch, generation, ...times] = reply;
    return {
      now: Number(now),
      epoch: String(epoch),
      generation: String(generation),
      times: String(epoch) === knownEpoch ? null : times.map(Number),
    };
  }

  /**
   * The entry stored for `key`, if any, with a check made in the same instant of its tags followed
   * by `tags` (the times in that order), or, without an entry, of none.
   */
  async read(key: string, tags: readonly string[] = []): Promise<{ check: TagCheck; entry: StoredEntry | null }> {
    const reply = (await this.script(
      READ,
      [this.keys.tags, this.keys.epoch, this.keys.generation, this.keys.clock, this.keys.entry(key)],
      ['', randomUUID(), ...tags],
    )) as (number | string | null)[];
    const [now, epoch, generation, text, ...times] = reply;
    const check = { now: Number(now), epoch: String(epoch), generation: String(generation), times: times.map(Number) };
    if (typeof text !== 'string') return { check, entry: null };
    const newline = text.indexOf('\n');
    const meta = JSON.parse(text.slice(newline + 1, text.indexOf('\n', newline + 1))) as { tags: string[] };
    return {
      check,
      entry: {
        lastModified: Number(text.slice(0, newline)),
        tags: meta.tags,
        body: text.slice(text.indexOf('\n', newline + 1) + 1),
      },
    };
  }

  /** Stores an entry made by a render that started at `startedAt` (Redis's clock), unless it raced. */
  async put(
    key: string,
    entry: { startedAt: number; tags: readonly string[]; body: string; ttlSeconds: number },
    lockToken: string | null,
  ): Promise<PutOutcome> {
    // The key rides along so the admin's dry run can name the page of an entry found by SCAN.
    const text = `${entry.startedAt}\n${JSON.stringify({ tags: entry.tags, key })}\n${entry.body}`;
    const outcome = await this.script(
      PUT,
      [this.keys.entry(key), this.keys.tags, this.keys.lock(key)],
      [
        text,
        String(entry.startedAt),
        String(Math.max(1, Math.round(entry.ttlSeconds))),
        lockToken ?? '',
        ...entry.tags,
      ],
    );
    return outcome === 1 ? 'stored' : outcome === 2 ? 'older' : 'raced';
  }

  /** Marks tags invalidated now; returns the time recorded (Redis's clock). */
  async invalidate(tags: readonly string[], event: InvalidationEvent | null): Promise<number> {
    return (await this.applyChange(tags, event, null)).at;
  }

  /**
   * Marks tags invalidated now and installs the renders made ahead of this change (`token`, from
   * beginChange) that nothing else invalidated since they began; returns the time recorded and
   * how many were installed.
   */
  async applyChange(
    tags: readonly string[],
    event: InvalidationEvent | null,
    token: string | null,
    afterBatch?: () => void,
  ): Promise<{ at: number; installed: number }> {
    if (tags.length === 0) return { at: 0, installed: 0 };
    let result = { at: 0, installed: 0 };
    const eventText = event ? JSON.stringify(event) : '';
    // In batches: a script's arguments, its run time and Redis's stack stay bounded whatever the
    // size of the change. Each batch marks its tags later than any before, so applying a change
    // again (the outbox after a crash midway) only marks them once more. Renders ahead are
    // installed by the last batch; a change of more than one batch has none (./render-ahead.ts).
    for (let from = 0; from < tags.length; from += INVALIDATE_BATCH) {
      const last = from + INVALIDATE_BATCH >= tags.length;
      const keys = [this.keys.tags, this.keys.epoch, this.keys.tagEvents, this.keys.clock];
      if (token && last) keys.push(this.keys.prepared(token), this.keys.change(token));
      const batch = tags.slice(from, from + INVALIDATE_BATCH);
      const [at, installed] = (await this.script(INVALIDATE, keys, [eventText, ...batch])) as [number, number];
      result = { at: Number(at), installed: Number(installed) };
      if (!last) afterBatch?.();
    }
    return result;
  }

  /** Announces a change about to be applied, so that its pages can be rendered ahead; returns its token. */
  async beginChange(change: PendingChange, ttlSeconds: number): Promise<string> {
    const token = randomUUID();
    await this.connection.run((client) =>
      client.set(this.keys.change(token), JSON.stringify(change), { expiration: { type: 'EX', value: ttlSeconds } }),
    );
    return token;
  }

  /** The change a token announced, while it is pending; null for an unknown or applied one. */
  async changeOf(token: string): Promise<PendingChange | null> {
    if (!/^[0-9a-f-]{36}$/.test(token)) return null;
    const text = await this.connection.run((client) => client.get(this.keys.change(token)));
    if (!text) return null;
    const change = JSON.parse(text) as PendingChange;
    return Array.isArray(change.tags) ? change : null;
  }

  /** Keeps a render made ahead of change `token`, for applyChange to install. */
  async putAhead(
    token: string,
    key: string,
    entry: { startedAt: number; tags: readonly string[]; body: string; ttlSeconds: number },
  ): Promise<void> {
    const ttl = Math.max(1, Math.round(entry.ttlSeconds));
    const text = `${ttl}\n${entry.startedAt}\n${JSON.stringify({ tags: entry.tags, key })}\n${entry.body}`;
    await this.script(PUT_AHEAD, [this.keys.prepared(token)], [this.keys.entry(key), text, String(AHEAD_TTL_SECONDS)]);
  }

  /** Ends a change whose renders ahead will not be installed (it could not be applied). */
  async dropChange(token: string): Promise<void> {
    await this.connection.run((client) => client.del([this.keys.change(token), this.keys.prepared(token)]));
  }

  /** The events that last invalidated these tags, to explain a rebuild. */
  async eventsOf(tags: readonly string[]): Promise<InvalidationEvent[]> {
    if (tags.length === 0) return [];
    const replies = await this.connection.run((client) => client.hmGet(this.keys.tagEvents, [...tags]));
    const events = new Map<string, InvalidationEvent>();
    for (const reply of replies) {
      if (typeof reply !== 'string') continue;
      const event = JSON.parse(reply) as InvalidationEvent;
      events.set(`${event.kind}|${event.description}`, event);
    }
    return [...events.values()];
  }

  /**
   * This build's entries — their keys and tags, not their bodies — at most `limit` of them: SCAN
   * over the entry prefix, a page at a time, so a large cache never blocks Redis. Entries stored
   * before keys were kept in them are left out.
   */
  async listEntries(limit: number): Promise<{ key: string; tags: string[] }[]> {
    const out: { key: string; tags: string[] }[] = [];
    await this.connection.run(async (client) => {
      let cursor = '0';
      do {
        const reply = await client.scan(cursor, { MATCH: this.keys.entries, COUNT: 200 });
        cursor = String(reply.cursor);
        for (const redisKey of reply.keys) {
          if (out.length >= limit) return;
          // The first two lines only: the key and tags, never the page itself.
          const head = await client.getRange(redisKey, 0, 4095);
          const meta = parseMeta((head ?? '').split('\n')[1]);
          if (meta) out.push(meta);
        }
      } while (cursor !== '0' && out.length < limit);
    });
    return out;
  }

  /** Notes reads of pages (./warming.ts): counted, stamped with Redis's clock, the index kept within `windowMs` and `limit`. */
  async recordReads(
    reads: readonly { page: string; tags: readonly string[]; reads: number }[],
    windowMs: number,
    limit: number,
  ): Promise<void> {
    if (reads.length === 0) return;
    await this.script(RECORD_READS, this.keys.reads, [
      this.keys.readTag,
      String(limit),
      String(windowMs),
      String(Math.max(1, Math.ceil(windowMs / 1000) * 2)),
      ...reads.flatMap((read) => [read.page, String(read.reads), JSON.stringify(read.tags)]),
    ]);
  }

  /** The pages read lately that carry one of `tags`, with Redis's clock now. */
  async pagesReadWith(tags: readonly string[]): Promise<{ now: number; candidates: ReadPage[] }> {
    const reply = (await this.script(READ_WITH, this.keys.reads, [this.keys.readTag, ...tags])) as (string | number)[];
    const candidates: ReadPage[] = [];
    for (let i = 1; i + 3 < reply.length; i += 4) {
      const tagList = JSON.parse(String(reply[i + 3])) as unknown;
      candidates.push({
        page: String(reply[i]),
        lastReadAt: Number(reply[i + 1]),
        reads: Number(reply[i + 2]),
        tags: Array.isArray(tagList) ? tagList.map(String) : [],
      });
    }
    return { now: Number(reply[0]), candidates };
  }

  /** Takes a page's rebuild lock for `ttlMs`; returns its token, or null when another server holds it. */
  async lock(key: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const reply = await this.connection.run((client) =>
      client.set(this.keys.lock(key), token, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } }),
    );
    return reply === 'OK' ? token : null;
  }

  async isLocked(key: string): Promise<boolean> {
    return (await this.connection.run((client) => client.exists(this.keys.lock(key)))) === 1;
  }

  async unlock(key: string, token: string): Promise<void> {
    await this.script(RELEASE, [this.keys.lock(key)], [token]);
  }

  /** Round trip to Redis, for health checks. */
  async ping(): Promise<void> {
    await this.connection.run((client) => client.ping());
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private async script(source: string, keys: string[], args: string[]): Promise<unknown> {
    return this.connection.run(async (client) => {
      let sha = this.shas.get(source);
      if (!sha) {
        sha = createHash('sha1').update(source).digest('hex');
        this.shas.set(source, sha);
      }
      try {
        return await client.evalSha(sha, { keys, arguments: args });
      } catch (error) {
        // A restarted or flushed Redis has forgotten the script: load it with the call.
        if (!String(error).includes('NOSCRIPT')) throw error;
        return client.eval(source, { keys, arguments: args });
      }
    });
  }
}
