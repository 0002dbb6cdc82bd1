import { lazyHandler } from '../../shared/composition.ts';
import { webhookService } from '../../shared/composition-webhooks.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { WebhookService } from '../../shared/services/webhooks.ts';

export const createHandler = (webhooks: Pick<WebhookService, 'get'>) =>
  httpHandler('webhooks-get', {}, async ({ principal, params }) => ({
    status: 200,
    json: await webhooks.get(principal, params.id ?? ''),
  }));

export const handler = lazyHandler(() => createHandler(webhookService()));
