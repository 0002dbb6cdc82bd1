import { parseOrThrow } from '../domain/validation.ts';
import * as z from '../domain/zod.ts';
import type { PageRequest } from '../services/ports.ts';

const PageQuerySchema = z.object({
  limit: z._default(
    z.pipe(
      z.string().check(z.regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')),
      z.pipe(
        z.transform(Number),
        z.int().check(z.gte(1, 'must be at least 1'), z.lte(100, 'must be at most 100')),
      ),
    ),
    20,
  ),
  cursor: z.optional(z.string().check(z.maxLength(512, 'is too long'))),
});

/** `?limit=` (1–100, default 20) and `?cursor=` from a list route's query string. */
export function pageOf(query: Readonly<Record<string, string | undefined>>): PageRequest {
  const { limit, cursor } = parseOrThrow(PageQuerySchema, query, 'The query string is invalid.');
  return { limit, cursor };
}
