/**
 * A webhook receiver on loopback for the e2e tests: records every POST, and answers 500 to the
 * first `failures[path]` posts of a path (a flaky receiver), 204 otherwise.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../../shared/domain/webhook.ts';

export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly received: Received[];
  /** Deliveries to `path` whose event is of `type`, oldest first. */
  eventsAt(path: string, type: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(failures: Record<string, number> = {}): Promise<Receiver> {
  const received: Received[] = [];
  const failuresLeft = new Map(Object.entries(failures));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const left = failuresLeft.get(path) ?? 0;
      failuresLeft.set(path, left - 1);
      res.writeHead(left > 0 ? 500 : 204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    eventsAt: (path, type) => received.filter((r) => r.path === path && JSON.parse(r.body).type === type),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether the delivery's signature is valid for `secret` (what a receiver checks). */
export const signedWith = (secret: string, delivery: Received): boolean =>
  verifyWebhook(
    secret,
    {
      timestamp: String(delivery.headers[TIMESTAMP_HEADER]),
      signature: String(delivery.headers[SIGNATURE_HEADER]),
    },
    delivery.body,
  );
