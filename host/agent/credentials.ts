/**
 * The agent's AWS credentials: the instance role's, from IMDSv2 (a session token first, then
 * `iam/security-credentials/<role>`), cached until five minutes before they expire, as the SDK's
 * credential-provider-imds does, in a tenth of its size. `AWS_ACCESS_KEY_ID` and friends in the
 * environment win, as with the SDK: the local simulated hosts get their instance's credentials so.
 */
import { request } from 'node:http';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When they stop working; absent for credentials that do not expire. */
  readonly expiration?: Date;
}

export type CredentialProvider = () => Promise<Credentials>;

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

export const IMDS_ENDPOINT = 'http://169.254.169.254';
const REFRESH_BEFORE_MS = 5 * 60_000;
const TOKEN_TTL_SECONDS = 21_600;

interface ImdsOptions {
  /** @default http://169.254.169.254 */
  readonly endpoint?: string;
  /** Per call. @default 2000 */
  readonly timeoutMs?: number;
}

/** One HTTP call to IMDS: the body, or an error naming the path and the status. */
function imdsCall(
  endpoint: string,
  method: 'GET' | 'PUT',
  path: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, endpoint), { method, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(body);
        else reject(new CredentialsError(`IMDS ${method} ${path} answered ${res.statusCode}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new CredentialsError(`IMDS ${method} ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The instance role's credentials through IMDSv2 (the launch template requires v2, hop limit 1). */
export function fromImds(options: ImdsOptions = {}): CredentialProvider {
  const endpoint = options.endpoint ?? IMDS_ENDPOINT;
  const timeoutMs = options.timeoutMs ?? 2000;
  return async () => {
    const token = await imdsCall(
      endpoint,
      'PUT',
      '/latest/api/token',
      { 'x-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) },
      timeoutMs,
    );
    const auth = { 'x-aws-ec2-metadata-token': token };
    const base = '/latest/meta-data/iam/security-credentials/';
    const role = (await imdsCall(endpoint, 'GET', base, auth, timeoutMs)).split('\n')[0]?.trim();
    if (!role) throw new CredentialsError('IMDS names no instance role: is the instance profile attached?');
    const raw = JSON.parse(await imdsCall(endpoint, 'GET', base + role, auth, timeoutMs)) as Record<
      string,
      unknown
    >;
    if (
      raw.Code !== 'Success' ||
      typeof raw.AccessKeyId !== 'string' ||
      typeof raw.SecretAccessKey !== 'string'
    ) {
      throw new CredentialsError(`IMDS gave no usable credentials for role ${role} (${String(raw.Code)})`);
    }
    return {
      accessKeyId: raw.AccessKeyId,
      secretAccessKey: raw.SecretAccessKey,
      ...(typeof raw.Token === 'string' ? { sessionToken: raw.Token } : {}),
      ...(typeof raw.Expiration === 'string' ? { expiration: new Date(raw.Expiration) } : {}),
    };
  };
}

/** `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, when the first two are set. */
export function fromEnv(env: NodeJS.ProcessEnv): Credentials | null {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return null;
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/** Calls `provider` only when the cached credentials are missing or about to expire. */
export function cached(provider: CredentialProvider, now: () => number = Date.now): CredentialProvider {
  let current: Credentials | undefined;
  let pending: Promise<Credentials> | undefined;
  return async () => {
    const fresh =
      current && (!current.expiration || current.expiration.getTime() - now() > REFRESH_BEFORE_MS);
    if (fresh && current) return current;
    pending ??= provider()
      .then((credentials) => {
        current = credentials;
        return credentials;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/** The environment's credentials if set, else the instance role's through IMDSv2. */
export function defaultCredentials(env: NodeJS.ProcessEnv, imds: ImdsOptions = {}): CredentialProvider {
  const fixed = fromEnv(env);
  if (fixed) return async () => fixed;
  return cached(fromImds(imds));
}
