import { describe, expect, it, vi } from 'vitest';
import { createHandler as start } from '../../../functions/servers/start.ts';
import { createHandler as stop } from '../../../functions/servers/stop.ts';
import { ConflictError } from '../../../shared/domain/errors.ts';
import type { ServerView } from '../../../shared/domain/server.ts';
import type { LifecycleService } from '../../../shared/services/lifecycle.ts';
import { apiEvent, lambdaContext } from '../../support/api-events.ts';
import { admin } from '../../support/principals.ts';

const view = { id: 'srv_1', state: 'starting' } as ServerView;
const event = (principal = admin()) =>
  apiEvent({ method: 'POST', path: '/v1/servers/srv_1/start', pathParameters: { id: 'srv_1' }, principal });

describe('the power routes', () => {
  it('answer with the status and the server the service returns', async () => {
    const lifecycle = { start: vi.fn(async () => ({ status: 202 as const, server: view })) };
    const result = await start(lifecycle)(event(), lambdaContext);
    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body ?? '')).toEqual(view);
    expect(lifecycle.start).toHaveBeenCalledWith(admin(), 'srv_1');
  });

  it('need the servers:power scope', async () => {
    const lifecycle: Pick<LifecycleService, 'stop'> = { stop: vi.fn() };
    const result = await stop(lifecycle)(
      event(admin('acme', { scopes: ['servers:read', 'servers:write'] })),
      lambdaContext,
    );
    expect(result.statusCode).toBe(403);
    expect(lifecycle.stop).not.toHaveBeenCalled();
  });

  it('answer 409 when the state machine refuses', async () => {
    const lifecycle = { start: vi.fn(() => Promise.reject(new ConflictError('The server is stopping.'))) };
    expect((await start(lifecycle)(event(), lambdaContext)).statusCode).toBe(409);
  });
});
