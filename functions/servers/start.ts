import { lazyHandler } from '../../shared/composition.ts';
import { hostServices } from '../../shared/host-composition.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { LifecycleService } from '../../shared/services/lifecycle.ts';

/** 202 when the start was begun, 200 when the server already starts or runs. */
export const createHandler = (lifecycle: Pick<LifecycleService, 'start'>) =>
  httpHandler('servers-start', {}, async ({ principal, params }) => {
    const { status, server } = await lifecycle.start(principal, params.id ?? '');
    return { status, json: server };
  });

export const handler = lazyHandler(() => createHandler(hostServices().lifecycle));
