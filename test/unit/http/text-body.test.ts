import { describe, expect, it, vi } from 'vitest';
import { createHandler as check } from '../../../functions/packages/check.ts';
import type { PackageQueries } from '../../../shared/services/package-queries.ts';
import { apiEvent, lambdaContext } from '../../support/api-events.ts';
import { admin } from '../../support/principals.ts';

const REPORT = {
  compatible: true,
  map: { expected: null, actual: null, matches: true },
  dlc: { missing: [], extra: [] },
  mods: { missing: [], extra: [] },
};

function setup() {
  const queries = { check: vi.fn(async () => REPORT) } satisfies Pick<PackageQueries, 'check'>;
  const send = (body: string | undefined, headers: Record<string, string>) =>
    check(queries)(
      apiEvent({
        method: 'POST',
        path: '/v1/packages/pkg_x/check',
        body,
        headers,
        principal: admin(),
        pathParameters: { id: 'pkg_x' },
      }),
      lambdaContext,
    );
  return { queries, send };
}

describe('a text/plain route', () => {
  it('hands the handler the body as text', async () => {
    const { queries, send } = setup();
    const result = await send('SiiNunit {\n}', { 'content-type': 'text/plain; charset=utf-8' });
    expect(result.statusCode).toBe(200);
    expect(queries.check).toHaveBeenCalledWith(admin(), 'pkg_x', 'SiiNunit {\n}');
  });

  it.each([
    ['JSON', 'application/json', 'SiiNunit {}', 415],
    ['another charset', 'text/plain; charset=latin1', 'SiiNunit {}', 415],
    ['no body', 'text/plain', undefined, 400],
    ['over 1 MiB', 'text/plain', 'x'.repeat(1024 * 1024 + 1), 413],
  ])('refuses %s', async (_name, contentType, body, status) => {
    const { queries, send } = setup();
    const result = await send(body, { 'content-type': contentType });
    expect(result.statusCode).toBe(status);
    expect(queries.check).not.toHaveBeenCalled();
  });
});
