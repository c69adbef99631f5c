import { isIPv6 } from 'node:net';
import proxyAddr from 'proxy-addr';

/*
 * Who is asking, for per-client limits. The server (server/serve.ts) works it out once per request
 * from the TCP peer, or from X-Forwarded-For when the peer is one of the proxies TRUST_PROXY names,
 * and hands it to the app in a header of its own that it always overwrites, so a client cannot
 * choose its own identity by sending that header (or X-Forwarded-For) itself.
 */

export const CLIENT_HEADER = 'x-freshpress-client';

/** Whether an address (and its position, 0 = the TCP peer) is a proxy whose X-Forwarded-For is believed. */
export type TrustedProxies = (address: string, hop: number) => boolean;

/**
 * TRUST_PROXY as written: addresses and ranges of the proxies in front of the server, or the names
 * proxy-addr knows (loopback, linklocal, uniquelocal), comma-separated. A count of proxies is
 * refused: it would believe the header from any client that reaches the server directly.
 * Returns the list, or why it cannot be used.
 */
export function parseTrustedProxies(value: string): { entries: string[] } | { problem: string } {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.some((entry) => /^\d+$/.test(entry))) {
    return {
      problem:
        'TRUST_PROXY takes the addresses or ranges of the proxies in front of the server, not how many there are, ' +
        'so a client reaching the server directly cannot choose its own address: for Varnish or nginx on this host ' +
        'write TRUST_PROXY=loopback (or 127.0.0.1), for a load balancer its address or range (TRUST_PROXY=10.0.0.0/8)',
    };
  }
  try {
    proxyAddr.compile(entries);
  } catch (error) {
    return { problem: `TRUST_PROXY: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { entries };
}

/** TRUST_PROXY's entries made into a check, once per process; none trusts nobody. */
export function trustedProxies(entries: readonly string[]): TrustedProxies | null {
  return entries.length > 0 ? proxyAddr.compile([...entries]) : null;
}

/**
 * The address to count a request against. Each trusted proxy appends the address it saw, so the
 * client is the first address, from the right, that is not a trusted proxy; anything further left
 * was written by the client and proves nothing. IPv6 clients are counted per /64, the block one
 * host usually gets.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies | null,
): string {
  let address = peer ?? 'unknown';
  if (trusted && peer && forwardedFor) {
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
    const request = { socket: { remoteAddress: peer }, headers: { 'x-forwarded-for': header } };
    address = proxyAddr(request as unknown as Parameters<typeof proxyAddr>[0], trusted);
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
