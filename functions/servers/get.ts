import { lazyHandler, services } from '../../shared/composition.ts';
import { etagOf } from '../../shared/domain/server.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { ServerService } from '../../shared/services/servers.ts';

export const createHandler = (servers: Pick<ServerService, 'get'>) =>
  httpHandler('servers-get', {}, async ({ principal, params }) => {
    const server = await servers.get(principal, params.id ?? '');
    return { status: 200, json: server, headers: { etag: etagOf(server.version) } };
  });

export const handler = lazyHandler(() => createHandler(services().servers));
