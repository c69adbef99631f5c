import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress } from '@/lib/core/client-address';

test('without trusted proxies the TCP peer is the client, whatever X-Forwarded-For claims', () => {
  assert.equal(clientAddress('198.51.100.7', '203.0.113.9', 0), '198.51.100.7');
  assert.equal(clientAddress('::ffff:198.51.100.7', undefined, 0), '198.51.100.7');
  assert.equal(clientAddress(undefined, undefined, 0), 'unknown');
});

test('behind n trusted proxies the client is the n-th address from the right; what the client wrote further left is ignored', () => {
  assert.equal(clientAddress('10.0.0.1', 'forged, 203.0.113.9', 1), '203.0.113.9');
  assert.equal(clientAddress('10.0.0.1', ['forged', '203.0.113.9, 10.0.0.2'], 2), '203.0.113.9');
  // Fewer hops than proxies: the leftmost is all there is.
  assert.equal(clientAddress('10.0.0.1', '203.0.113.9', 3), '203.0.113.9');
  assert.equal(clientAddress('10.0.0.1', undefined, 1), '10.0.0.1');
});

test('IPv6 clients are counted per /64, however the address is written', () => {
  const expected = '2001:db8:1:2::/64';
  assert.equal(clientAddress('2001:db8:1:2:aaaa:bbbb:cccc:dddd', undefined, 0), expected);
  assert.equal(clientAddress('2001:0db8:0001:0002::1', undefined, 0), expected);
  assert.equal(clientAddress('2001:db8:1:2::ffff', undefined, 0), expected);
  assert.equal(clientAddress('::1', undefined, 0), '0:0:0:0::/64');
});
