import { lazyHandler } from '../../shared/composition.ts';
import { hostBundles } from '../../shared/composition-hosts-api.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { HostBundles } from '../../shared/services/hosts.ts';

/** The calling host's own boot bundle: its instance, not the request, names the server. */
export const createHandler = (bundles: HostBundles) =>
  httpHandler('host-bundle', {}, async ({ host }) => ({ status: 200, json: await bundles.bundle(host) }));

export const handler = lazyHandler(() => createHandler(hostBundles()));
