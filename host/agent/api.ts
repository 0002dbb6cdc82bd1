/**
 * The agent's side of the game-host routes: SigV4-signed (service `execute-api`) HTTP calls with
 * the instance role's credentials, over node:http(s) rather than fetch, because the signature
 * covers the `host` header, which fetch will not let a caller set.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { EXECUTE_API, NodeSha256 } from '../../shared/adapters/sigv4/node-sha256.ts';
import type { HeartbeatReply, HeartbeatRequest, HostBundle } from '../../shared/domain/host-wire.ts';
import type { CredentialProvider } from './credentials.ts';

export interface HostApiOptions {
  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  readonly apiUrl: string;
  readonly region: string;
  readonly credentials: CredentialProvider;
  /** Per call. @default 10000 */
  readonly timeoutMs?: number;
}

export class HostApiError extends Error {
  override readonly name = 'HostApiError';
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`the API answered ${status}: ${detail}`);
  }
}

export interface HostApi {
  bundle(): Promise<HostBundle>;
  heartbeat(report: HeartbeatRequest): Promise<HeartbeatReply>;
}

/** The region of an `execute-api` URL, or `null` for any other (a local gateway). */
export function regionOfApiUrl(apiUrl: string): string | null {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(new URL(apiUrl).hostname)?.[1] ?? null;
}

export function createHostApi(options: HostApiOptions): HostApi {
  const base = new URL(options.apiUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call<T>(method: 'GET' | 'POST', path: string, json?: unknown): Promise<T> {
    const url = new URL(path, base);
    const body = json === undefined ? undefined : JSON.stringify(json);
    const signer = new SignatureV4({
      service: EXECUTE_API,
      region: options.region,
      credentials: await options.credentials(),
      sha256: NodeSha256,
    });
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: {
        host: url.host,
        accept: 'application/json',
        ...(body === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
      },
      body,
    });
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = send(url, { method, headers: signed.headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${url.pathname} timed out after ${timeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
    if (status < 200 || status >= 300) throw new HostApiError(status, detailOf(text));
    return JSON.parse(text) as T;
  }

  return {
    bundle: () => call<HostBundle>('GET', '/v1/host/bundle'),
    heartbeat: (report) => call<HeartbeatReply>('POST', '/v1/host/heartbeat', report),
  };
}

/** A problem document's detail (or API Gateway's message), short enough for a log line. */
function detailOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { detail?: unknown; message?: unknown };
    return String(parsed.detail ?? parsed.message ?? text).slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}
