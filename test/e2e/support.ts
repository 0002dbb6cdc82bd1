/** HTTP helpers for the e2e tests: plain fetch against the stack started by global-setup.ts. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';

export const apiUrl = inject('apiUrl');
export const adminKey = inject('adminKey');
const run = promisify(execFile);

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read as loosely as a client would.
  readonly body: any;
}

export async function call(
  method: string,
  path: string,
  options: {
    key?: string | null;
    json?: unknown;
    raw?: string | Buffer;
    headers?: Record<string, string>;
  } = {},
): Promise<Reply> {
  const key = options.key === undefined ? adminKey : options.key;
  const headers: Record<string, string> = { ...(key ? { authorization: `Bearer ${key}` } : {}) };
  let body: string | Buffer | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.raw !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.raw;
  }
  const response = await fetch(new URL(path, apiUrl), {
    method,
    headers: { ...headers, ...options.headers },
    body,
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** A key of another tenant, made with the operator's keys CLI against the running stack. */
export async function keyFor(tenant: string, scopes: string, extra: string[] = []): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/keys.ts',
      'create',
      '--tenant',
      tenant,
      '--name',
      'e2e',
      '--scopes',
      scopes,
      ...extra,
    ],
    { env: { ...process.env, CONVOY_DATA_DIR: inject('dataDir') } },
  );
  return stdout.trim();
}

export async function createServer(key: string = adminKey, body: Record<string, unknown> = {}) {
  const reply = await call('POST', '/v1/servers', {
    key,
    json: { name: 'E2E Convoy', game: 'ets2', ...body },
  });
  if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${reply.text}`);
  return reply.body as { id: string; version: number };
}

/** A server event as the events route answers it. */
export interface ServerEvent {
  at: string;
  type: string;
  actor: string;
  detail: Record<string, unknown>;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads until `ok` holds; fails with the last value read once `timeoutMs` has passed. */
export async function until<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 10_000,
  pollMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await sleep(pollMs);
  }
}
