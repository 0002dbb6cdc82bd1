import { lazyHandler, services } from '../../shared/composition.ts';
import { CreateKeyRequestSchema } from '../../shared/domain/api-key.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { KeyService } from '../../shared/services/keys.ts';

export const createHandler = (keys: Pick<KeyService, 'create'>) =>
  httpHandler('keys-create', { body: CreateKeyRequestSchema }, async ({ principal, body }) => ({
    status: 201,
    json: await keys.create(principal, body),
  }));

export const handler = lazyHandler(() => createHandler(services().keys));
