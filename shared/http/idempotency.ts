import { ValidationError } from '../domain/errors.ts';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The `Idempotency-Key` header, if sent: printable ASCII, at most 255 characters. */
export function idempotencyKeyOf(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!KEY.test(key)) {
    throw new ValidationError('The Idempotency-Key header is invalid.', [
      { path: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters without spaces' },
    ]);
  }
  return key;
}
