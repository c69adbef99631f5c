import { isIPv6 } from 'node:net';

/*
 * Who is asking, for per-client limits. The server (server/serve.ts) works it out once per request
 * from the TCP peer, or from X-Forwarded-For when TRUST_PROXY says how many proxies appended to it,
 * and hands it to the app in a header of its own that it always overwrites, so a client cannot
 * choose its own identity by sending that header (or X-Forwarded-For) itself.
 */

export const CLIENT_HEADER = 'x-freshpress-client';

/**
 * The address to count a request against. Each trusted proxy appends the address it saw, so the
 * client is the entry `trustedProxies` from the right; anything further left was written by the
 * client and proves nothing. IPv6 clients are counted per /64, the block one host usually gets.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): string {
  let address = peer ?? 'unknown';
  if (trustedProxies > 0 && forwardedFor) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean);
    address = hops[hops.length - trustedProxies] ?? hops[0] ?? address;
  }
  return groupAddress(address);
}

function groupAddress(address: string): string {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address.slice(0, 64);
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
