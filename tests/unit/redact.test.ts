import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactError, redactSecrets, redactUrl } from '@/lib/core/redact';

test('a configured URL keeps its user, host, port and database and loses only its password', () => {
  assert.equal(redactUrl('redis://:s3cret-pw@10.0.0.7:6380'), 'redis://:***@10.0.0.7:6380');
  assert.equal(
    redactUrl('rediss://default:s3cret-pw@cache.internal:6379/2'),
    'rediss://default:***@cache.internal:6379/2',
  );
  assert.equal(
    redactUrl('postgres://blog:p%40ss%2Fw0rd@db.internal:5432/freshpress?sslmode=require'),
    'postgres://blog:***@db.internal:5432/freshpress?sslmode=require',
  );
  assert.equal(
    redactUrl('postgres://blog@db.internal/freshpress?password=s3cret-pw'),
    'postgres://blog@db.internal/freshpress?password=***',
  );
  assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  assert.equal(redactUrl('not a url s3cret-pw'), '(an unparsable URL)');
});

test('a message quoting URLs loses every password in them, whatever they hold, and nothing else', () => {
  assert.equal(
    redactSecrets('connect to redis://:s3cret-pw@10.0.0.7:6380 failed; then postgres://u:p@ss:w@rd@db:5432/x too'),
    'connect to redis://:***@10.0.0.7:6380 failed; then postgres://u:***@db:5432/x too',
  );
  assert.equal(
    redactSecrets(
      "Request cannot be constructed from a URL that includes credentials: 'http://purge:s3cret-pw@edge:6081/'",
    ),
    "Request cannot be constructed from a URL that includes credentials: 'http://purge:***@edge:6081/'",
  );
  assert.equal(
    redactSecrets('GET https://api.example.com/purge?token=s3cret-pw&x=1'),
    'GET https://api.example.com/purge?token=***&x=1',
  );
  const plain = 'connect ECONNREFUSED 127.0.0.1:5432 (http://edge:6081/path@v2, user@example.com)';
  assert.equal(redactSecrets(plain), plain);
});

test('an error is printed with its stack and cause, without the password its message or cause quotes', () => {
  const error = new Error('could not reach redis://:s3cret-pw@10.0.0.7:6380', {
    cause: new Error('postgres://blog:s3cret-pw@db:5432/x refused'),
  });
  const printed = redactError(error);
  assert.doesNotMatch(printed, /s3cret-pw/);
  assert.match(printed, /redis:\/\/:\*\*\*@10\.0\.0\.7:6380/);
  assert.match(printed, /postgres:\/\/blog:\*\*\*@db:5432/);
  assert.match(printed, /at .*redact\.test\.ts/);
});
