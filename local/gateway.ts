/**
 * A loopback stand-in for API Gateway's HTTP API. Each request becomes the payload-2.0 event that
 * API Gateway would send to the same handlers and the same authorizer, routed by the same table
 * the CDK API is built from. It answers on its own only where API Gateway does (404, 401, 403,
 * 413, 500) and holds no business logic.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import type { AuthContext } from '../shared/http/auth-context.ts';
import type { ApiEvent, ApiHandler } from '../shared/http/handler.ts';
import { logger } from '../shared/http/logger.ts';
import type { HttpMethod, RouteDef } from '../shared/http/routes.ts';
import { AUTHORIZER, routeKey } from '../shared/http/routes.ts';
import { authorizerEvent, httpApiEvent, lambdaContext } from './gateway-event.ts';
import type { IamIdentity, IamVerifier } from './iam.ts';

export type Authorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
  context: Context,
) => Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthContext>>;

/** A `/local/...` route: public, never deployed, receives the event of a route without authorizer. */
export type LocalHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface GatewayOptions {
  readonly routes: readonly RouteDef[];
  /** Every route's handler, by route name. */
  readonly handlers: ReadonlyMap<string, ApiHandler>;
  readonly authorizer: Authorizer;
  /**
   * Checks the SigV4 signature of `iam` routes (API Gateway's IAM authorization).
   * @default - every request to an `iam` route is refused (403)
   */
  readonly iam?: IamVerifier;
  /** @default 'us-east-1' */
  readonly region?: string;
}

export interface Gateway {
  /** Resolves to the base URL, e.g. `http://127.0.0.1:3000`; port 0 picks a free port. */
  listen(port: number, host?: string): Promise<string>;
  /** Adds a local-only route; its path must start with `/local/`. */
  addLocalRoute(method: HttpMethod, path: string, handler: LocalHandler): void;
  /** Stops accepting connections and waits for requests in flight. */
  close(): Promise<void>;
}

/** API Gateway's own payload limit; handlers enforce the API's smaller limit themselves. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const CLOSE_GRACE_MS = 5_000;

type Segment = { readonly literal: string } | { readonly param: string };

interface Route {
  readonly name: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly auth: RouteDef['auth'];
  readonly segments: readonly Segment[];
  /** A `/local/` handler accepts the wider ApiEvent, so one signature serves both kinds. */
  readonly handler: (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
}

interface GatewayReply {
  readonly status: number;
  readonly message: string;
}

const NOT_FOUND: GatewayReply = { status: 404, message: 'Not Found' };
const TOO_LARGE: GatewayReply = { status: 413, message: 'Request Entity Too Large' };
const UNAUTHORIZED: GatewayReply = { status: 401, message: 'Unauthorized' };
const FORBIDDEN: GatewayReply = { status: 403, message: 'Forbidden' };
const INTERNAL_ERROR: GatewayReply = { status: 500, message: 'Internal Server Error' };

export function createGateway({
  routes,
  handlers,
  authorizer,
  iam,
  region = 'us-east-1',
}: GatewayOptions): Gateway {
  const table: Route[] = routes.map((route) => {
    const handler = handlers.get(route.name);
    if (!handler) throw new Error(`No handler for route ${route.name} (${routeKey(route)})`);
    return { ...route, segments: compile(route.path), handler };
  });

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      // A client that hung up mid-request is no failure of ours.
      if (res.destroyed) return;
      logger.error('local gateway failed to answer', { error: error as Error });
      if (!res.headersSent) reply(res, '', INTERNAL_ERROR);
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(10).toString('base64');
    const body = await readBody(req);
    if (body === null) return reply(res, requestId, TOO_LARGE);

    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
    const rawQueryString = queryAt === -1 ? '' : url.slice(queryAt + 1);
    const found = findRoute(table, req.method ?? '', rawPath);
    if (!found) return reply(res, requestId, NOT_FOUND);

    const { route, pathParameters } = found;
    const event = httpApiEvent(req, {
      requestId,
      routeKey: routeKey(route),
      rawPath,
      rawQueryString,
      pathParameters,
      body,
    });

    let authorizerContext: AuthContext | undefined;
    if (route.auth === 'apiKey') {
      const identity = event.headers.authorization;
      // API Gateway answers 401 itself, without calling the authorizer, when the identity source is missing.
      if (!identity) return reply(res, requestId, UNAUTHORIZED);
      // No result cache in local mode, unlike AWS: a deleted key stops working at once.
      const decision = await authorizer(
        authorizerEvent(event, { method: route.method, identity, region }),
        lambdaContext(AUTHORIZER.name, region),
      ).catch((error: unknown) => {
        logger.error('authorizer threw', { route: route.name, error: error as Error });
        return null;
      });
      if (!decision) return reply(res, requestId, INTERNAL_ERROR);
      if (decision.isAuthorized !== true) return reply(res, requestId, FORBIDDEN);
      authorizerContext = decision.context;
    }

    let iamIdentity: IamIdentity | null = null;
    if (route.auth === 'iam') {
      iamIdentity = iam
        ? await iam({
            method: route.method,
            rawPath,
            rawQueryString,
            headers: event.headers as Record<string, string>,
            body,
          })
        : null;
      if (!iamIdentity) return reply(res, requestId, FORBIDDEN);
    }

    // API Gateway sends no `authorizer` for public routes, though the handlers' event type always has one.
    const authorizerField = authorizerContext
      ? { lambda: authorizerContext }
      : iamIdentity
        ? { iam: iamIdentity }
        : undefined;
    const apiEvent = (
      authorizerField
        ? { ...event, requestContext: { ...event.requestContext, authorizer: authorizerField } }
        : event
    ) as ApiEvent;
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await route.handler(apiEvent, lambdaContext(route.name, region));
    } catch (error) {
      logger.error('handler threw', { route: route.name, error: error as Error });
      return reply(res, requestId, INTERNAL_ERROR);
    }
    writeResult(res, requestId, result);
  }

  return {
    listen(port, host = '127.0.0.1') {
      return new Promise((resolveUrl, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolveUrl(`http://${hostPart}:${address.port}`);
        });
      });
    },

    addLocalRoute(method, path, handler) {
      if (!path.startsWith('/local/')) throw new Error(`Local routes live under /local/, not ${path}`);
      if (table.some((r) => r.method === method && r.path === path)) {
        throw new Error(`${method} ${path} is already a route`);
      }
      table.push({
        name: `local ${method} ${path}`,
        method,
        path,
        auth: 'none',
        segments: compile(path),
        handler,
      });
    },

    close() {
      return new Promise((resolveClose, reject) => {
        if (!server.listening) return resolveClose();
        // Idle keep-alive sockets close at once; a request still running gets a grace period.
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close((error) => {
          clearTimeout(force);
          if (error) reject(error);
          else resolveClose();
        });
        server.closeIdleConnections();
      });
    },
  };
}

function compile(path: string): Segment[] {
  return path
    .split('/')
    .slice(1)
    .map((part) => {
      const param = /^\{(\w+)\}$/.exec(part)?.[1];
      return param ? { param } : { literal: part };
    });
}

/**
 * The route for this method and path. When several match, API Gateway picks the most specific:
 * at the first segment where they differ, a literal beats a parameter.
 */
function findRoute(
  table: readonly Route[],
  method: string,
  rawPath: string,
): { route: Route; pathParameters: Record<string, string> } | null {
  const parts = rawPath.split('/').slice(1);
  let best: { route: Route; pathParameters: Record<string, string>; rank: string } | null = null;
  for (const route of table) {
    if (route.method !== method || route.segments.length !== parts.length) continue;
    const pathParameters: Record<string, string> = {};
    const matches = route.segments.every((segment, i) => {
      const part = parts[i] ?? '';
      if ('literal' in segment) return segment.literal === part;
      if (part === '') return false;
      pathParameters[segment.param] = safeDecode(part);
      return true;
    });
    if (!matches) continue;
    const rank = route.segments.map((s) => ('literal' in s ? '1' : '0')).join('');
    if (!best || rank > best.rank) best = { route, pathParameters, rank };
  }
  return best;
}

/** The body, or `null` once it passes API Gateway's limit (the rest is drained, unread). */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  }
  return size > MAX_REQUEST_BYTES ? null : Buffer.concat(chunks);
}

function writeResult(
  res: ServerResponse,
  requestId: string,
  result: APIGatewayProxyStructuredResultV2,
): void {
  const body =
    result.body === undefined
      ? undefined
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  try {
    for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
    if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
    res.setHeader('apigw-requestid', requestId);
    // Explicit, as API Gateway sends it, rather than Node's chunked encoding.
    res.setHeader('content-length', body?.byteLength ?? 0);
    res.writeHead(result.statusCode ?? 200);
  } catch (error) {
    // A status or header Node refuses is a malformed Lambda response: API Gateway answers 500.
    logger.error('handler returned a malformed response', { error: error as Error });
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    reply(res, requestId, INTERNAL_ERROR);
    return;
  }
  res.end(body);
}

/** API Gateway's own answers: a JSON `message`, nothing else. */
function reply(res: ServerResponse, requestId: string, { status, message }: GatewayReply): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(requestId ? { 'apigw-requestid': requestId } : {}),
  });
  res.end(body);
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
