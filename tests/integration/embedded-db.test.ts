import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import postgres from 'postgres';
import { migrateDatabase } from '@/db/migrate';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../db/embedded';

let embedded: EmbeddedPostgres;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'freshpress-pglite-'));
  embedded = await startEmbeddedPostgres(dataDir);
  await migrateDatabase(embedded.url);
});

after(async () => {
  await embedded?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('many connections running parameterised queries at once each get their own answers', async () => {
  // Parameterised queries go Parse/Describe, then Bind/Execute: interleaving them across
  // connections is exactly what a message-level multiplexer gets wrong.
  const clients = Array.from({ length: 6 }, () => postgres(embedded.url, { max: 4, onnotice: () => {} }));
  try {
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const sql = clients[i % clients.length]!;
        const values = Array.from({ length: (i % 7) + 1 }, (_, k) => i * 10 + k);
        return sql.unsafe(`select ${values.map((_, k) => `$${k + 1}::int`).join(' + ')} as total`, values);
      }),
    );
    results.forEach((rows, i) => {
      const expected = Array.from({ length: (i % 7) + 1 }, (_, k) => i * 10 + k).reduce((a, b) => a + b, 0);
      assert.equal(rows[0]?.total, expected, `query ${i}`);
    });
  } finally {
    await Promise.all(clients.map((sql) => sql.end({ timeout: 5 })));
  }
});

test('concurrent transactions commit or roll back whole', async () => {
  const sql = postgres(embedded.url, { max: 8, onnotice: () => {} });
  try {
    await sql`create table if not exists tx_probe (id int primary key, writer int not null)`;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        sql.begin(async (tx) => {
          await tx`insert into tx_probe (id, writer) values (${i * 2}, ${i})`;
          await tx`insert into tx_probe (id, writer) values (${i * 2 + 1}, ${i})`;
          if (i % 4 === 0) throw new Error('roll back');
        }),
      ),
    );
    assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 10);
    const rows = await sql<
      { writer: number; n: number }[]
    >`select writer, count(*)::int as n from tx_probe group by writer order by writer`;
    assert.equal(rows.length, 30);
    assert.ok(rows.every((row) => row.n === 2 && row.writer % 4 !== 0));
  } finally {
    await sql.end({ timeout: 5 });
  }
});

test(
  'a second start on the same directory waits until the first has closed the database',
  { timeout: 60_000 },
  async () => {
    // PGlite locks nothing itself; two instances on one directory corrupt its WAL.
    const dir = await mkdtemp(path.join(tmpdir(), 'freshpress-pglite-lock-'));
    const first = await startEmbeddedPostgres(dir);
    const events: string[] = [];
    let waiting!: () => void;
    const announced = new Promise<void>((resolve) => (waiting = resolve));
    const log = console.log;
    console.log = (...args: unknown[]) => {
      if (String(args[0]).includes('Waiting for another process to close the embedded database')) waiting();
      else log(...args);
    };
    try {
      const second = startEmbeddedPostgres(dir).then((db) => {
        events.push('second opened');
        return db;
      });
      await announced;
      const sql = postgres(first.url, { max: 1, onnotice: () => {} });
      await sql`create table lock_check (n int)`;
      await sql`insert into lock_check values (1)`;
      await sql.end();
      events.push('first closing');
      await first.stop();
      const opened = await second;
      try {
        assert.deepEqual(events, ['first closing', 'second opened']);
        const reader = postgres(opened.url, { max: 1, onnotice: () => {} });
        assert.deepEqual([...(await reader`select n from lock_check`)], [{ n: 1 }]);
        await reader.end();
      } finally {
        await opened.stop();
      }
    } finally {
      console.log = log;
      await rm(dir, { recursive: true, force: true });
    }
  },
);
