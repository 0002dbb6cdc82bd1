/**
 * API Gateway's IAM authorization, on loopback: checks a request's SigV4 signature against the
 * credentials the EC2 stand-in issued to its instances (as EC2 hands each instance its role's
 * credentials through IMDS), and says who signed, in the shape API Gateway passes to Lambda
 * (`requestContext.authorizer.iam`). Signing is done by `@smithy/signature-v4` on both sides: the
 * check signs the request again with the named key's secret and compares.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { EXECUTE_API, NodeSha256 } from '../shared/adapters/sigv4/node-sha256.ts';

/** A credential the stand-in issued, and the identity it stands for. */
export interface IssuedCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** `arn:aws:sts::000000000000:assumed-role/<host role>/<instance id>` */
  readonly userArn: string;
  /** `AROA…:<instance id>` */
  readonly userId: string;
}

/** What API Gateway puts under `requestContext.authorizer.iam`. */
export interface IamIdentity {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly cognitoIdentity: null;
  readonly principalOrgId: null;
  readonly userArn: string;
  readonly userId: string;
}

export interface SignedRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface IamVerifierOptions {
  readonly region: string;
  readonly lookup: (accessKeyId: string) => IssuedCredential | null;
  /** AWS refuses signatures more than 5 minutes off. @default 300_000 */
  readonly maxSkewMs?: number;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export type IamVerifier = (request: SignedRequest) => Promise<IamIdentity | null>;

/** Resolves to the signer's identity, or `null` for a missing, stale or wrong signature (API Gateway's 403). */
export function createIamVerifier({ region, lookup, maxSkewMs = 300_000 }: IamVerifierOptions): IamVerifier {
  return async (request) => {
    const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
    if (!match) return null;
    const [, accessKeyId = '', day, scopeRegion, service, signedList = '', signature = ''] = match;
    if (scopeRegion !== region || service !== EXECUTE_API) return null;
    const credential = lookup(accessKeyId);
    if (!credential || request.headers['x-amz-security-token'] !== credential.sessionToken) return null;
    const date = AMZ_DATE.exec(request.headers['x-amz-date'] ?? '');
    if (!date || date.slice(1, 4).join('') !== day) return null;
    const [year, month, dayOfMonth, hour, minute, second] = date.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const signedAt = new Date(Date.UTC(year, month - 1, dayOfMonth, hour, minute, second));
    if (Math.abs(Date.now() - signedAt.getTime()) > maxSkewMs) return null;

    // The signer takes a present x-amz-content-sha256 on trust: the body must match it.
    const bodyHash = request.headers['x-amz-content-sha256'];
    if (bodyHash !== undefined && bodyHash !== createHash('sha256').update(request.body).digest('hex'))
      return null;

    const signed = signedList.split(';');
    if (!signed.includes('host')) return null;
    const headers: Record<string, string> = {};
    for (const name of signed) {
      const value = request.headers[name];
      if (value === undefined) return null;
      headers[name] = value;
    }
    const host = headers.host as string;
    const [hostname = '', port] = host.split(':');
    const signer = new SignatureV4({
      service: EXECUTE_API,
      region,
      credentials: credential,
      sha256: NodeSha256,
    });
    const again = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname,
        ...(port ? { port: Number(port) } : {}),
        path: request.rawPath,
        query: queryOf(request.rawQueryString),
        headers,
        body: request.body.byteLength ? request.body : undefined,
      },
      { signingDate: signedAt },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(again.headers.authorization ?? ''))?.[1] ?? '';
    if (expected.length !== signature.length) return null;
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) return null;
    return {
      accessKey: credential.accessKeyId,
      accountId: credential.userArn.split(':')[4] ?? '',
      callerId: credential.userId,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: credential.userArn,
      userId: credential.userId,
    };
  };
}

function queryOf(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const previous = query[key];
    query[key] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return query;
}
