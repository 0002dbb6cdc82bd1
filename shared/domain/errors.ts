/**
 * The one error hierarchy of convoy-cloud. Every error a client may see extends `ConvoyError`
 * and carries its HTTP status (as middy's errors do); `shared/http/problem.ts` is the single
 * place that turns them into RFC 9457 problem documents. Anything else is an internal error
 * and reaches a client only as a bare 500.
 */

export interface FieldIssue {
  /** Dotted path into the request, e.g. `config.lobbyName`. */
  readonly path: string;
  readonly message: string;
}

export abstract class ConvoyError extends Error {
  abstract readonly status: number;
  /** Short, stable summary of the problem type (the problem document's `title`). */
  abstract readonly title: string;

  constructor(detail: string, options?: ErrorOptions) {
    super(detail, options);
    this.name = new.target.name;
  }

  /** The problem document's `type`: a stable slug per class. */
  get type(): string {
    return `https://convoy-cloud.dev/problems/${this.title.toLowerCase().replaceAll(' ', '-')}`;
  }
}

export class ValidationError extends ConvoyError {
  readonly status = 400;
  readonly title = 'Invalid request';
  constructor(
    detail: string,
    readonly errors: readonly FieldIssue[] = [],
    options?: ErrorOptions,
  ) {
    super(detail, options);
  }
}

export class UnauthorizedError extends ConvoyError {
  readonly status = 401;
  readonly title = 'Unauthorized';
}

export class ForbiddenError extends ConvoyError {
  readonly status = 403;
  readonly title = 'Forbidden';
}

export class NotFoundError extends ConvoyError {
  readonly status = 404;
  readonly title = 'Not found';
}

export class ConflictError extends ConvoyError {
  readonly status = 409;
  readonly title = 'Conflict';
}

/** A start refused because the tenant's monthly budget is spent. */
export class PaymentRequiredError extends ConvoyError {
  readonly status = 402;
  readonly title = 'Budget exhausted';
}

export class PreconditionFailedError extends ConvoyError {
  readonly status = 412;
  readonly title = 'Precondition failed';
}

export class PayloadTooLargeError extends ConvoyError {
  readonly status = 413;
  readonly title = 'Payload too large';
}

export class UnsupportedMediaTypeError extends ConvoyError {
  readonly status = 415;
  readonly title = 'Unsupported media type';
}

export class UnprocessableError extends ConvoyError {
  readonly status = 422;
  readonly title = 'Unprocessable request';
  constructor(
    detail: string,
    readonly errors: readonly FieldIssue[] = [],
    options?: ErrorOptions,
  ) {
    super(detail, options);
  }
}

/**
 * A conditional write lost a race (the item's version moved on). Services catch it to retry or
 * to turn it into a 409/412; one that escapes means two writers collided, and says so.
 */
export class ConcurrentModificationError extends ConvoyError {
  readonly status = 409;
  readonly title = 'Concurrent modification';
}

/** Another request took the same `Idempotency-Key` first; the caller should replay its response. */
export class IdempotencyKeyTakenError extends ConflictError {}
