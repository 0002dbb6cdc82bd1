import { lazyHandler, services } from '../../shared/composition.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { KeyService } from '../../shared/services/keys.ts';

export const createHandler = (keys: Pick<KeyService, 'remove'>) =>
  httpHandler('keys-delete', {}, async ({ principal, params }) => {
    await keys.remove(principal, params.id ?? '');
    return { status: 204 };
  });

export const handler = lazyHandler(() => createHandler(services().keys));
