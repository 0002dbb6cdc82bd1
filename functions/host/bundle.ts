import { lazyHandler } from '../../shared/composition.ts';
import { hostBundles } from '../../shared/composition-hosts-api.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { logger } from '../../shared/http/logger.ts';
import type { HostBundles } from '../../shared/services/hosts.ts';

/** The calling host's own boot bundle: its instance, not the request, names the server. */
export const createHandler = (bundles: HostBundles) =>
  httpHandler('host-bundle', {}, async ({ host }) => {
    const bundle = await bundles.bundle(host);
    // The bundle holds the password and logon token: only its server is logged.
    logger.appendKeys({ serverId: bundle.serverId, instanceId: host?.instanceId });
    return { status: 200, json: bundle };
  });

export const handler = lazyHandler(() => createHandler(hostBundles()));
