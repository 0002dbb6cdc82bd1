import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A prefixed, time-sortable id (a lowercase ULID): 10 characters of milliseconds then 16 of
 * randomness. Sorting ids sorts by creation time, which gives "newest first" lists for free.
 */
export type IdPrefix = 'srv' | 'pkg' | 'key' | 'evt' | 'sch' | 'whk' | 'whe';

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  let time = '';
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD.charAt(t % 32) + time;
  let random = '';
  for (const byte of randomBytes(16)) random += CROCKFORD.charAt(byte % 32);
  return `${prefix}_${time}${random}`;
}

/**
 * Whether `value` can be an id `newId(prefix)` made. A route checks this before a lookup: a
 * value that cannot be an id names nothing, and an overlong one would exceed DynamoDB's key size.
 */
export const isIdOf = (prefix: IdPrefix, value: string): boolean =>
  value.length === prefix.length + 27 &&
  value.startsWith(`${prefix}_`) &&
  /^[0-9a-z]{26}$/.test(value.slice(-26));

/** API key secrets: `cvk_` (recognisable by secret scanners) and 256 random bits. */
export const newKeySecret = (): string => `cvk_${randomBytes(32).toString('base64url')}`;

/** Keys are stored and looked up only by this hash; a fast hash suits a 256-bit random secret. */
export const hashKeySecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
