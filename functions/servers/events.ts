import { lazyHandler, services } from '../../shared/composition.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { pageOf } from '../../shared/http/pagination.ts';
import type { ServerService } from '../../shared/services/servers.ts';

export const createHandler = (servers: Pick<ServerService, 'events'>) =>
  httpHandler('servers-events', {}, async ({ principal, params, query }) => ({
    status: 200,
    json: await servers.events(principal, params.id ?? '', pageOf(query)),
  }));

export const handler = lazyHandler(() => createHandler(services().servers));
