import type { FieldIssue } from './errors.ts';
import { ValidationError } from './errors.ts';
import type * as z from './zod.ts';

/** zod issues as `{ path, message }`, one per unknown field so the path names the field. */
export function issuesOf(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...at, key].join('.'), message: 'is not a known field' }));
    }
    return [{ path: at.join('.'), message: issue.message }];
  });
}

/** Parses `input` or throws a 400 `ValidationError` listing every problem with its path. */
export function parseOrThrow<T extends z.ZodMiniType>(
  schema: T,
  input: unknown,
  what = 'The request body is invalid.',
): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(what, issuesOf(result.error));
  return result.data;
}
