import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { test } from 'node:test';
import { isRedisUnavailable, RedisUnavailableError, withDeadline } from '@/lib/core/redis-connection';

/*
 * A deadline on a Redis call must tell a Redis that did not answer from a process that was too busy
 * to read the answer: a render holding the event loop past the deadline delays the timer and the
 * reply alike. A real socket, so the reply waits in the kernel as a Redis reply would.
 */

/** An echo server in a process of its own: it answers while this one is busy, as Redis would. */
async function echoServer() {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer((c) => c.on('data', (d) => c.write(d)));
       s.listen(0, '127.0.0.1', () => console.log(s.address().port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { stop: () => child.kill(), port: Number(line.toString().trim()) };
}

function busyFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Holding the event loop, as a long synchronous render does.
  }
}

test('an answer that arrived while the event loop was held past the deadline wins over the deadline', async () => {
  const { stop, port } = await echoServer();
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  try {
    const reply = new Promise<string>((resolve) => socket.once('data', (data) => resolve(data.toString())));
    const answer = withDeadline(reply, 20, 'a test server');
    socket.write('PONG');
    busyFor(200);
    assert.equal(await answer, 'PONG');
  } finally {
    socket.destroy();
    stop();
  }
});

test('a server that does not answer loses to the deadline', async () => {
  const { stop, port } = await echoServer();
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  try {
    const never = new Promise<string>(() => undefined);
    await assert.rejects(withDeadline(never, 20, 'a test server'), RedisUnavailableError);
  } finally {
    socket.destroy();
    stop();
  }
});

test("Redis not answering is recognised by the error's name, from any copy of the class", () => {
  assert.ok(isRedisUnavailable(new RedisUnavailableError('no answer')));
  const fromAnotherBundle = Object.assign(new Error('no answer'), { name: 'RedisUnavailableError' });
  assert.ok(isRedisUnavailable(fromAnotherBundle));
  assert.ok(!isRedisUnavailable(new Error('something else')));
  assert.ok(!isRedisUnavailable('RedisUnavailableError'));
});
