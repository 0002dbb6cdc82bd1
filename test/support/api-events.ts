/** API Gateway HTTP API (payload 2.0) events for handler tests. */
import type { Context } from 'aws-lambda';
import type { Principal } from '../../shared/domain/api-key.ts';
import { encodePrincipal } from '../../shared/http/auth-context.ts';
import type { ApiEvent } from '../../shared/http/handler.ts';

export interface EventInit {
  readonly method?: string;
  readonly path?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  readonly queryStringParameters?: Record<string, string>;
  /** `null`: the authorizer did not recognise the key. */
  readonly principal?: Principal | null;
}

export function apiEvent(init: EventInit = {}): ApiEvent {
  const method = init.method ?? 'GET';
  const path = init.path ?? '/v1/servers';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: init.headers ?? {},
    queryStringParameters: init.queryStringParameters,
    pathParameters: init.pathParameters,
    body: init.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
      authorizer: { lambda: encodePrincipal(init.principal ?? null), integrationLatency: 0, principalId: '' },
    },
  } as ApiEvent;
}

export const lambdaContext = {
  awsRequestId: 'aws-req-1',
  functionName: 'test',
  getRemainingTimeInMillis: () => 10_000,
} as Context;
