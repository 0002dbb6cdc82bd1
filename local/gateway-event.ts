/**
 * What API Gateway's HTTP API hands to Lambda, built from a node:http request: the payload-2.0
 * event, the authorizer's REQUEST event, and a Lambda context. Shapes only, no decisions.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';

const ACCOUNT_ID = '000000000000';
const API_ID = 'local';
/** The Lambda timeout the CDK gives every function; handlers may read it from their context. */
const FUNCTION_TIMEOUT_MS = 10_000;

export interface RequestParts {
  readonly requestId: string;
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly pathParameters: Record<string, string>;
  readonly body: Buffer;
}

export function httpApiEvent(req: IncomingMessage, parts: RequestParts): APIGatewayProxyEventV2 {
  const { requestId, routeKey, rawPath, rawQueryString, pathParameters, body } = parts;
  const { headers, cookies } = readHeaders(req);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...optional('queryStringParameters', parseQuery(rawQueryString)),
    requestContext: requestContextOf(req, { requestId, rawPath, routeKey, headers }),
    ...(body.byteLength > 0 ? encodeBody(body, headers['content-type']) : { isBase64Encoded: false }),
    ...optional('pathParameters', pathParameters),
  };
}

/** The authorizer's event for a request whose identity source (the Authorization header) is present. */
export function authorizerEvent(
  event: APIGatewayProxyEventV2,
  { method, identity, region }: { method: string; identity: string; region: string },
): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:${region}:${ACCOUNT_ID}:${API_ID}/$default/${method}${event.rawPath}`,
    identitySource: [identity],
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    cookies: event.cookies ?? [],
    headers: event.headers,
    ...optional('queryStringParameters', event.queryStringParameters),
    requestContext: event.requestContext,
    ...optional('pathParameters', event.pathParameters),
  };
}

/** Lower-cased names, repeated headers joined by commas; cookies go to their own list, as in payload 2.0. */
function readHeaders(req: IncomingMessage): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    const value = req.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
      continue;
    }
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous},${value}`;
  }
  const sourceIp = sourceIpOf(req);
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${sourceIp}`
    : sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= String(req.socket.localPort ?? '');
  return { headers, cookies };
}

/** Decoded values, repeated keys joined by commas; `undefined` when there is no query. */
function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    const previous = query[key];
    query[key] = previous === undefined ? value : `${previous},${value}`;
  }
  return query;
}

const TEXT_TYPE =
  /^(?:text\/|application\/(?:[\w.+-]+\+)?(?:json|xml)\b|application\/x-www-form-urlencoded\b)/i;

/** Textual bodies pass as UTF-8; anything else (or no content type) is base64, as API Gateway does. */
function encodeBody(
  body: Buffer,
  contentType: string | undefined,
): { body: string; isBase64Encoded: boolean } {
  return contentType && TEXT_TYPE.test(contentType)
    ? { body: body.toString('utf8'), isBase64Encoded: false }
    : { body: body.toString('base64'), isBase64Encoded: true };
}

function requestContextOf(
  req: IncomingMessage,
  {
    requestId,
    rawPath,
    routeKey,
    headers,
  }: { requestId: string; rawPath: string; routeKey: string; headers: Record<string, string> },
): APIGatewayEventRequestContextV2 {
  const now = new Date();
  const domainName = headers.host ?? 'localhost';
  return {
    accountId: ACCOUNT_ID,
    apiId: API_ID,
    domainName,
    domainPrefix: domainName.split('.')[0] ?? domainName,
    http: {
      method: req.method ?? '',
      path: rawPath,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp: sourceIpOf(req),
      userAgent: headers['user-agent'] ?? '',
    },
    requestId,
    routeKey,
    stage: '$default',
    time: clfTime(now),
    timeEpoch: now.getTime(),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `time`: `22/Nov/2026:10:00:00 +0000`. */
function clfTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}`;
  return `${day}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

export function lambdaContext(functionName: string, region: string): Context {
  const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

function sourceIpOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** `{ key: value }` when there is a value: payload 2.0 omits empty parts rather than sending null. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  if (value === undefined) return {};
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return {};
  return { [key]: value } as { [P in K]?: V };
}
