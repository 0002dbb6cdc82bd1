/**
 * Every log line of a request names what it is about: the request, the tenant once the key is
 * known, and the server when the path names one; nothing of one request leaks into the next.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiEvent, lambdaContext } from '../../support/api-events.ts';
import { admin } from '../../support/principals.ts';
import { serverRecord } from '../../support/servers.ts';

let lines: Record<string, unknown>[] = [];
let handlers: {
  getServer: typeof import('../../../functions/servers/get.ts').createHandler;
  listServers: typeof import('../../../functions/servers/list.ts').createHandler;
};

beforeAll(async () => {
  // The unit project silences logs (POWERTOOLS_LOG_LEVEL), which the logger reads when made and
  // again at each invocation: this file's modules are loaded after lifting it.
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  handlers = {
    getServer: (await import('../../../functions/servers/get.ts')).createHandler,
    listServers: (await import('../../../functions/servers/list.ts')).createHandler,
  };
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  });
});
afterAll(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('request log lines', () => {
  it('carry the request, tenant and server ids, and forget them before the next request', async () => {
    const server = serverRecord({ tenantId: 'acme' });
    await handlers.getServer({ get: async () => server } as never)(
      apiEvent({ pathParameters: { id: server.id }, principal: admin('acme') }),
      lambdaContext,
    );
    expect(lines.find((l) => l.message === 'request')).toMatchObject({
      requestId: 'req-1',
      tenantId: 'acme',
      serverId: server.id,
      status: 200,
    });

    lines = [];
    await handlers.listServers({ list: async () => ({ items: [], nextCursor: null }) } as never)(
      apiEvent({}),
      lambdaContext,
    );
    const next = lines.find((l) => l.message === 'request');
    expect(next).toMatchObject({ status: 401 });
    expect(next).not.toHaveProperty('tenantId');
    expect(next).not.toHaveProperty('serverId');
  });
});
