import { lazyHandler } from '../../shared/composition.ts';
import { hostServices } from '../../shared/host-composition.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { ServerService } from '../../shared/services/servers.ts';

/** 204 when the server had no host and is gone; 202 while its host is being terminated. */
export const createHandler = (servers: Pick<ServerService, 'remove'>) =>
  httpHandler('servers-delete', {}, async ({ principal, params }) => {
    const { gone, server } = await servers.remove(principal, params.id ?? '');
    return gone ? { status: 204 } : { status: 202, json: server };
  });

// The host-aware service: its delete terminates the server's host.
export const handler = lazyHandler(() => createHandler(hostServices().servers));
