/**
 * POSTs a webhook delivery with `node:http(s)`, not `fetch`: its `lookup` hook sees the address
 * the socket is about to connect to, so the SSRF policy judges the resolved address itself
 * (a name that resolves to a private address, or that changes after the webhook was made, is
 * refused at connect time, with no window for DNS rebinding between a check and the request).
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { blockedAddressReason, urlProblem } from '../../domain/address-policy.ts';
import type { WebhookSender } from '../../services/ports.ts';

export interface HttpSenderOptions {
  /** Local mode: loopback and plain http are allowed (tests, a laptop's own receiver). */
  readonly local: boolean;
  /** The whole request, connect to response headers. @default 10000 */
  readonly timeoutMs?: number;
}

/** Marks the lookup's refusal so the error message can say so. */
class BlockedAddressError extends Error {}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** `dns.lookup` that refuses every address the SSRF policy blocks. */
export function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    for (const { address } of list) {
      const reason = blockedAddressReason(address);
      if (reason) return callback(new BlockedAddressError(`${hostname} resolves to a ${reason} address`), []);
    }
    if ((options as { all?: boolean }).all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(new Error(`${hostname} has no address`), []);
    return callback(null, first.address, first.family);
  });
}

export function createHttpSender({ local, timeoutMs = 10_000 }: HttpSenderOptions): WebhookSender {
  return {
    post(url, { body, headers }) {
      const problem = urlProblem(url, local);
      if (problem) return Promise.resolve({ status: null, error: `refused: URL ${problem}` });
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise((resolve) => {
        let settled = false;
        const done = (status: number | null, error: string | null) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status, error });
        };
        const req = send(
          target,
          {
            method: 'POST',
            headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
            ...(local ? {} : { lookup: guardedLookup }),
          },
          (res) => {
            // The body is not read: only the status counts, and a huge reply must not cost memory.
            res.resume();
            res.destroy();
            done(res.statusCode ?? null, null);
          },
        );
        // A hanging receiver must not hang the queue: the whole exchange has this long.
        const timer = setTimeout(() => {
          req.destroy();
          done(null, `timed out after ${timeoutMs} ms`);
        }, timeoutMs);
        req.on('error', (error) =>
          done(
            null,
            error instanceof BlockedAddressError
              ? `refused: ${error.message}`
              : `request failed: ${error.message}`,
          ),
        );
        req.end(body);
      });
    },
  };
}

/** The create-time check: the URL's own problems, then every address its host resolves to now. */
export function createUrlChecker(local: boolean): (url: string) => Promise<string | null> {
  return async (url) => {
    const problem = urlProblem(url, local);
    if (problem || local) return problem;
    const { hostname } = new URL(url);
    return new Promise((resolve) => {
      guardedLookup(hostname.replace(/^\[|\]$/g, ''), { all: true }, (error) => {
        if (!error) return resolve(null);
        resolve(
          error instanceof BlockedAddressError
            ? `must not point at a private address (${error.message})`
            : `host ${hostname} does not resolve`,
        );
      });
    });
  };
}
