import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

/*
 * With EDGE=varnish the server must hold the secret the VCL asks of every PURGE: without one its
 * purges would all be refused, silently to readers, so it refuses to start instead. The
 * configuration is parsed at first import, hence a process per case.
 */

function start(env: Record<string, string>) {
  const result = spawnSync(
    process.execPath,
    [
      '--conditions=react-server',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      "await import('./lib/core/config.ts')",
    ],
    {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        EDGE: 'varnish',
        EDGE_PURGE_URL: 'http://127.0.0.1:6081/',
        ...env,
      },
    },
  );
  return { ok: result.status === 0, stderr: result.stderr };
}

test('EDGE=varnish without EDGE_PURGE_TOKEN refuses to start, naming the variable and where it goes', () => {
  const { ok, stderr } = start({});
  assert.equal(ok, false);
  assert.match(stderr, /EDGE_PURGE_TOKEN: EDGE_PURGE_TOKEN is required with EDGE=varnish/);
  assert.match(stderr, /FRESHPRESS_PURGE_TOKEN/);
});

test('a purge secret shorter than 16 characters, or with spaces, is refused', () => {
  for (const token of ['short-secret', 'a secret with spaces in it']) {
    const { ok, stderr } = start({ EDGE_PURGE_TOKEN: token });
    assert.equal(ok, false, token);
    assert.match(stderr, /EDGE_PURGE_TOKEN must be at least 16 visible ASCII characters/);
  }
});

test('EDGE=varnish starts with a secret of 16 characters or more', () => {
  const { ok, stderr } = start({ EDGE_PURGE_TOKEN: '0123456789abcdef' });
  assert.equal(ok, true, stderr);
});
