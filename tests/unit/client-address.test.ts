import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress, parseTrustedProxies, trustedProxies } from '@/lib/core/client-address';

const trusting = (value: string) => {
  const parsed = parseTrustedProxies(value);
  assert.ok('entries' in parsed, JSON.stringify(parsed));
  return trustedProxies(parsed.entries);
};

test('without trusted proxies the TCP peer is the client, whatever X-Forwarded-For claims', () => {
  assert.equal(clientAddress('198.51.100.7', '203.0.113.9', null), '198.51.100.7');
  assert.equal(clientAddress('::ffff:198.51.100.7', undefined, null), '198.51.100.7');
  assert.equal(clientAddress(undefined, undefined, null), 'unknown');
  assert.equal(trusting(''), null);
});

test('the client is the first address from the right that is not a trusted proxy; what the client wrote further left is ignored', () => {
  const lan = trusting('10.0.0.0/8');
  assert.equal(clientAddress('10.0.0.1', 'forged, 203.0.113.9', lan), '203.0.113.9');
  assert.equal(clientAddress('10.0.0.1', ['forged', '203.0.113.9, 10.0.0.2'], lan), '203.0.113.9');
  assert.equal(clientAddress('10.0.0.1', undefined, lan), '10.0.0.1');
  // Every hop a proxy: the leftmost is all there is.
  assert.equal(clientAddress('10.0.0.1', '10.0.0.9', lan), '10.0.0.9');
});

test('a peer that is not a trusted proxy is the client, whatever it writes in X-Forwarded-For', () => {
  const local = trusting('loopback');
  assert.equal(clientAddress('198.51.100.7', '203.0.113.9', local), '198.51.100.7');
  assert.equal(clientAddress('198.51.100.7', '127.0.0.1', local), '198.51.100.7');
  assert.equal(clientAddress('127.0.0.1', '203.0.113.9', local), '203.0.113.9');
  // A server listening on :: sees IPv4 peers as mapped addresses; they are the same proxies.
  assert.equal(clientAddress('::ffff:127.0.0.1', '203.0.113.9', local), '203.0.113.9');
  assert.equal(clientAddress('::1', '2001:db8:1:2::7', local), '2001:db8:1:2::/64');
  const several = trusting('127.0.0.1, 192.0.2.0/24');
  assert.equal(clientAddress('127.0.0.1', '203.0.113.9, 192.0.2.44', several), '203.0.113.9');
});

test('a count of proxies is refused with what to write instead; so is an address that is none', () => {
  for (const value of ['1', '2', '0', 'loopback, 1']) {
    const parsed = parseTrustedProxies(value);
    assert.ok('problem' in parsed, value);
    assert.match(parsed.problem, /not how many there are/);
    assert.match(parsed.problem, /TRUST_PROXY=loopback/);
  }
  const bad = parseTrustedProxies('10.0.0.300/8');
  assert.ok('problem' in bad);
  assert.match(bad.problem, /^TRUST_PROXY: /);
  assert.deepEqual(parseTrustedProxies(' 127.0.0.1 ,::1,uniquelocal '), {
    entries: ['127.0.0.1', '::1', 'uniquelocal'],
  });
});

test('IPv6 clients are counted per /64, however the address is written', () => {
  const expected = '2001:db8:1:2::/64';
  assert.equal(clientAddress('2001:db8:1:2:aaaa:bbbb:cccc:dddd', undefined, null), expected);
  assert.equal(clientAddress('2001:0db8:0001:0002::1', undefined, null), expected);
  assert.equal(clientAddress('2001:db8:1:2::ffff', undefined, null), expected);
  assert.equal(clientAddress('::1', undefined, null), '0:0:0:0::/64');
});
