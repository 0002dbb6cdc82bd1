import { lazyHandler, services } from '../../shared/composition.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { pageOf } from '../../shared/http/pagination.ts';
import type { KeyService } from '../../shared/services/keys.ts';

export const createHandler = (keys: Pick<KeyService, 'list'>) =>
  httpHandler('keys-list', {}, async ({ principal, query }) => ({
    status: 200,
    json: await keys.list(principal, pageOf(query)),
  }));

export const handler = lazyHandler(() => createHandler(services().keys));
