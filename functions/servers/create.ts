import { lazyHandler, services } from '../../shared/composition.ts';
import { CreateServerRequestSchema, etagOf } from '../../shared/domain/server.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { idempotencyKeyOf } from '../../shared/http/idempotency.ts';
import type { ServerService } from '../../shared/services/servers.ts';

export const createHandler = (servers: Pick<ServerService, 'create'>) =>
  httpHandler('servers-create', { body: CreateServerRequestSchema }, async ({ principal, body, headers }) => {
    const result = await servers.create(principal, body, idempotencyKeyOf(headers));
    return {
      status: result.status,
      text: { body: result.body, contentType: 'application/json; charset=utf-8' },
      headers: {
        etag: etagOf(result.server.version),
        location: `/v1/servers/${result.server.id}`,
        ...(result.replayed ? { 'idempotent-replayed': 'true' } : {}),
      },
    };
  });

export const handler = lazyHandler(() => createHandler(services().servers));
