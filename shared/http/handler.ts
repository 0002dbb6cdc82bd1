/**
 * The one middy chain every HTTP handler runs in. A handler supplies only what is particular
 * to it (its route, its body schema, one service call); this chain does the rest: logging with
 * the request id, security headers, body limits and parsing, authentication and scope, zod
 * validation, and mapping every error to problem+json.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { Principal } from '../domain/api-key.ts';
import { requireScope } from '../domain/api-key.ts';
import {
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../domain/errors.ts';
import type { HostCaller } from '../domain/host.ts';
import { hostCallerOf } from '../domain/host.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type * as z from '../domain/zod.ts';
import type { AuthContext } from './auth-context.ts';
import { decodePrincipal } from './auth-context.ts';
import { logger } from './logger.ts';
import { problemResponse, toProblem } from './problem.ts';
import type { RouteDef } from './routes.ts';
import { ROUTES } from './routes.ts';

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthContext>;
export type ApiResult = APIGatewayProxyStructuredResultV2;
export type ApiHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

/**
 * Headers for a JSON API, on every answer. (middy's http-security-headers targets HTML pages:
 * it sends an empty Reporting-Endpoints and leaves CSP off non-HTML responses.)
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;
const TEXT_TYPE = /^text\/plain\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

export interface ApiRequest<Body> {
  readonly body: Body;
  /** The `text/plain` body of a route declared with `text: true`; otherwise undefined. */
  readonly text: string | undefined;
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Present on every `apiKey` route (the chain answers 401 before the handler otherwise). */
  readonly principal: Principal;
  /** On `iam` routes: the game host whose instance role signed the request, if the caller is one. */
  readonly host: HostCaller | null;
  readonly requestId: string;
}

export interface ApiResponse {
  readonly status: number;
  /** JSON-serialised unless `text` is given. */
  readonly json?: unknown;
  /** A pre-rendered body and its content type. */
  readonly text?: { readonly body: string; readonly contentType: string };
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteOptions<Schema extends z.ZodMiniType | undefined> {
  /** The JSON body's schema; routes without one ignore any body. */
  readonly body?: Schema;
  /** Take a `text/plain` (UTF-8) body instead of JSON, with the same 1 MiB limit; 415 for other types. */
  readonly text?: boolean;
}

type BodyOf<Schema> = Schema extends z.ZodMiniType ? z.output<Schema> : undefined;

interface State {
  principal: Principal | null;
  body: unknown;
  text?: string | undefined;
}

export function httpHandler<Schema extends z.ZodMiniType | undefined = undefined>(
  routeName: string,
  options: RouteOptions<Schema>,
  fn: (request: ApiRequest<BodyOf<Schema>>) => Promise<ApiResponse>,
): ApiHandler {
  const route = findRoute(routeName);
  const state = new WeakMap<ApiEvent, State>();

  const run = async (event: ApiEvent): Promise<ApiResult> => {
    const { principal, body, text } = state.get(event) ?? { principal: null, body: undefined };
    const parsedBody = options.body ? parseOrThrow(options.body, body) : undefined;
    const response = await fn({
      body: parsedBody as BodyOf<Schema>,
      text,
      params: event.pathParameters ?? {},
      query: event.queryStringParameters ?? {},
      headers: event.headers ?? {},
      principal: principal as Principal,
      host: route.auth === 'iam' ? hostCallerOf(iamCallerArn(event)) : null,
      requestId: event.requestContext.requestId,
    });
    return toResult(response);
  };

  const requestState: MiddlewareObj<ApiEvent, ApiResult> = {
    before: ({ event }) => {
      const principal = authenticate(route, event);
      // The 1 MiB limit holds on every route, also on one that reads no body.
      if (!options.body && !options.text) boundedBody(event);
      state.set(event, {
        principal,
        body: options.body ? readJsonBody(event) : undefined,
        text: options.text ? readTextBody(event) : undefined,
      });
    },
  };

  return middy<ApiEvent, ApiResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(accessLog(route))
    .use(problems())
    .use(requestState)
    .handler(run);
}

function findRoute(name: string): RouteDef {
  const route = ROUTES.find((r) => r.name === name);
  if (!route) throw new Error(`No route named ${name} in the route table`);
  return route;
}

/** The signer of an `iam` route's request, as API Gateway's IAM authorization passes it on. */
function iamCallerArn(event: ApiEvent): string | undefined {
  const authorizer = event.requestContext.authorizer as { iam?: { userArn?: unknown } } | undefined;
  const arn = authorizer?.iam?.userArn;
  return typeof arn === 'string' ? arn : undefined;
}

/** API-key routes need an authenticated caller (401) holding the route's scope (403). */
function authenticate(route: RouteDef, event: ApiEvent): Principal | null {
  // `iam` routes: API Gateway verified the signature; the service decides what the signer may do.
  if (route.auth === 'none' || route.auth === 'iam') return null;
  const principal = decodePrincipal(event.requestContext.authorizer?.lambda);
  if (!principal)
    throw new UnauthorizedError('A valid API key is required: send Authorization: Bearer <key>.');
  logger.appendKeys({ tenantId: principal.tenantId, keyId: principal.keyId });
  if (route.scope) requireScope(principal, route.scope);
  return principal;
}

/** The raw body, refused with 413 over 1 MiB. */
function boundedBody(event: ApiEvent): Buffer | undefined {
  const raw =
    event.body === undefined ? undefined : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (raw && raw.byteLength > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `The body is ${raw.byteLength} bytes; the limit is ${MAX_BODY_BYTES} (1 MiB).`,
    );
  }
  return raw;
}

/** Bounds and checks a text body: 413 over 1 MiB, 415 if not text/plain, 400 if empty or not UTF-8. */
function readTextBody(event: ApiEvent): string {
  const raw = boundedBody(event);
  if (!raw || raw.byteLength === 0) {
    throw new ValidationError('A text/plain body is required.', [{ path: '', message: 'is missing' }]);
  }
  const contentType = event.headers?.['content-type'];
  if (!contentType || !TEXT_TYPE.test(contentType)) {
    throw new UnsupportedMediaTypeError(
      `Send the body as text/plain in UTF-8 (got ${contentType ? JSON.stringify(contentType.slice(0, 100)) : 'no Content-Type'}).`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch (error) {
    throw new ValidationError('The body is not UTF-8 text.', [], { cause: error });
  }
}

/** Bounds, checks and parses a JSON body: 413 over 1 MiB, 415 if not JSON, 400 if malformed. */
function readJsonBody(event: ApiEvent): unknown {
  const raw = boundedBody(event);
  if (!raw || raw.byteLength === 0) {
    throw new ValidationError('A JSON body is required.', [{ path: '', message: 'is missing' }]);
  }
  const contentType = event.headers?.['content-type'];
  if (!contentType || !JSON_TYPE.test(contentType)) {
    throw new UnsupportedMediaTypeError(
      `Send the body as application/json (got ${contentType ? JSON.stringify(contentType.slice(0, 100)) : 'no Content-Type'}).`,
    );
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new ValidationError(`The body is not valid JSON: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
}

function toResult(response: ApiResponse): ApiResult {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, ...response.headers };
  if (response.text) {
    return {
      statusCode: response.status,
      headers: { ...headers, 'content-type': response.text.contentType },
      body: response.text.body,
    };
  }
  if (response.json === undefined) return { statusCode: response.status, headers };
  return {
    statusCode: response.status,
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(response.json),
  };
}

function problems(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: (request) => {
      const problem = toProblem(request.error, request.event.requestContext.requestId);
      if (problem.status >= 500) {
        logger.error('request failed', { error: request.error as Error });
      }
      request.response = problemResponse(problem, SECURITY_HEADERS);
    },
  };
}

/** Routes whose `{id}` is a server's. */
const SERVER_PATH = /^\/v1\/servers\/\{id\}/;

/** One line per request: what was asked, what was answered, how long it took. Never bodies. */
function accessLog(route: RouteDef): MiddlewareObj<ApiEvent, ApiResult> {
  const started = new WeakMap<ApiEvent, number>();
  const line = (event: ApiEvent, status: number | undefined) =>
    logger.info('request', {
      route: route.name,
      method: event.requestContext.http.method,
      path: event.rawPath,
      status,
      durationMs: Math.round(performance.now() - (started.get(event) ?? performance.now())),
    });
  return {
    before: ({ event }) => {
      started.set(event, performance.now());
      // On every line of the request (keys reset after each): the server it is about, when the
      // path names one, and the tenant once authenticated (`authenticate`).
      const serverId = SERVER_PATH.test(route.path) ? event.pathParameters?.id?.slice(0, 40) : undefined;
      logger.appendKeys({ requestId: event.requestContext.requestId, ...(serverId ? { serverId } : {}) });
    },
    after: ({ event, response }) => line(event, response?.statusCode),
    onError: ({ event, response }) => line(event, response?.statusCode),
  };
}
