import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { freePort } from './server';

/** A request as it reached the server: what Varnish passed on, after its VCL. */
export interface ReceivedRequest {
  method: string;
  url: string;
  cookie: string | undefined;
}

export interface HeldResponse {
  /** Resolves once the origin's whole answer is in the proxy's hands. */
  arrived: Promise<void>;
  release(): void;
}

/**
 * A pass-through proxy between Varnish and the server that can hold back the answer to one
 * request: a page in transit while a purge goes by, the race the second purge exists for.
 */
export async function startHoldingProxy(initialTarget: number) {
  let targetPort = initialTarget;
  const holds = new Map<string, { arrived: () => void; released: Promise<void> }>();
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', cookie: req.headers.cookie });
    const upstream = httpRequest(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', async () => {
          const hold = req.method === 'GET' ? holds.get(req.url ?? '') : undefined;
          if (hold) {
            holds.delete(req.url ?? '');
            hold.arrived();
            await hold.released;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers as IncomingHttpHeaders);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    /** The server to pass to (known only once it started, after Varnish and this proxy). */
    retarget(port: number) {
      targetPort = port;
    },
    /** Every request passed to the server so far, oldest first. */
    received: received as readonly ReceivedRequest[],
    /** Holds the origin's answer to the next GET of `url` until released. */
    hold(url: string): HeldResponse {
      let arrived!: () => void;
      let release!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.set(url, { arrived, released });
      return { arrived: arrival, release };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
