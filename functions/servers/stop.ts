import { lazyHandler } from '../../shared/composition.ts';
import { hostServices } from '../../shared/host-composition.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { LifecycleService } from '../../shared/services/lifecycle.ts';

/** 202 when the stop was begun, 200 when the server already is stopped or stopping. */
export const createHandler = (lifecycle: Pick<LifecycleService, 'stop'>) =>
  httpHandler('servers-stop', {}, async ({ principal, params }) => {
    const { status, server } = await lifecycle.stop(principal, params.id ?? '');
    return { status, json: server };
  });

export const handler = lazyHandler(() => createHandler(hostServices().lifecycle));
