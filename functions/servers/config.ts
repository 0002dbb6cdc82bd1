import { lazyHandler, services } from '../../shared/composition.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { ServerService } from '../../shared/services/servers.ts';

export const createHandler = (servers: Pick<ServerService, 'configPreview'>) =>
  httpHandler('servers-config', {}, async ({ principal, params }) => ({
    status: 200,
    text: {
      body: await servers.configPreview(principal, params.id ?? ''),
      contentType: 'text/plain; charset=utf-8',
    },
  }));

export const handler = lazyHandler(() => createHandler(services().servers));
