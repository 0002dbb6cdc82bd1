import { lazyHandler, services } from '../../shared/composition.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { pageOf } from '../../shared/http/pagination.ts';
import type { ServerService } from '../../shared/services/servers.ts';

export const createHandler = (servers: Pick<ServerService, 'list'>) =>
  httpHandler('servers-list', {}, async ({ principal, query }) => ({
    status: 200,
    json: await servers.list(principal, pageOf(query)),
  }));

export const handler = lazyHandler(() => createHandler(services().servers));
