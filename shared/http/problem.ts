/**
 * The single error → response mapping: RFC 9457 problem documents. Only `ConvoyError`s speak
 * to the client; anything else is logged in full and answered with a bare 500 (or 503 when
 * AWS asked us to slow down or the function ran out of time), never with its message.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ConvoyError, UnprocessableError, ValidationError } from '../domain/errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly { path: string; message: string }[];
}

const THROTTLED = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
]);

export function toProblem(error: unknown, requestId: string): Problem {
  if (error instanceof ConvoyError) {
    const errors =
      error instanceof ValidationError || error instanceof UnprocessableError ? error.errors : [];
    return {
      type: error.type,
      title: error.title,
      status: error.status,
      detail: error.message,
      ...(errors.length > 0 ? { errors } : {}),
    };
  }
  // Middy answers for a handler about to run out of time (the SDK may still be backing off from
  // throttling): busy too, and the request may yet take effect, which the caller must know.
  if (error instanceof Error && error.name === 'TimeoutError') {
    return {
      type: 'https://convoy-cloud.dev/problems/busy',
      title: 'Service busy',
      status: 503,
      detail:
        `The request ran out of time and may still take effect; retry in a few seconds ` +
        `(with the same Idempotency-Key, a create is made once) (request ${requestId}).`,
    };
  }
  if (error instanceof Error && THROTTLED.has(error.name)) {
    return {
      type: 'https://convoy-cloud.dev/problems/busy',
      title: 'Service busy',
      status: 503,
      detail: `The service is busy; retry in a few seconds (request ${requestId}).`,
    };
  }
  return {
    type: 'https://convoy-cloud.dev/problems/internal-error',
    title: 'Internal error',
    status: 500,
    detail: `Something went wrong on our side; retry, and report request ${requestId} if it persists.`,
  };
}

export function problemResponse(
  problem: Problem,
  headers: Readonly<Record<string, string>>,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: {
      ...headers,
      'content-type': PROBLEM_CONTENT_TYPE,
      ...(problem.status === 503 ? { 'retry-after': '2' } : {}),
    },
    body: JSON.stringify(problem),
  };
}
