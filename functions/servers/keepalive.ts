import { lazyHandler, services } from '../../shared/composition.ts';
import { KeepaliveRequestSchema } from '../../shared/domain/keepalive.ts';
import { etagOf } from '../../shared/domain/server.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { KeepaliveService } from '../../shared/services/keepalive.ts';

/** 200 with the server, its `runtime.keepaliveUntil` and `idleStopAt` pushed out; 409 unless starting or running. */
export const createHandler = (keepalive: KeepaliveService) =>
  httpHandler('servers-keepalive', { body: KeepaliveRequestSchema }, async ({ principal, params, body }) => {
    const server = await keepalive.keepalive(principal, params.id ?? '', body.minutes);
    return { status: 200, json: server, headers: { etag: etagOf(server.version) } };
  });

export const handler = lazyHandler(() => createHandler(services().keepalive));
