import { lazyHandler, services } from '../../shared/composition.ts';
import { etagOf, PatchServerRequestSchema } from '../../shared/domain/server.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { ServerService } from '../../shared/services/servers.ts';

export const createHandler = (servers: Pick<ServerService, 'patch'>) =>
  httpHandler(
    'servers-patch',
    { body: PatchServerRequestSchema },
    async ({ principal, params, body, headers }) => {
      const server = await servers.patch(principal, params.id ?? '', body, headers['if-match']);
      return { status: 200, json: server, headers: { etag: etagOf(server.version) } };
    },
  );

export const handler = lazyHandler(() => createHandler(services().servers));
