import { lazyHandler } from '../../shared/composition.ts';
import { webhookService } from '../../shared/composition-webhooks.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { WebhookService } from '../../shared/services/webhooks.ts';

export const createHandler = (webhooks: Pick<WebhookService, 'remove'>) =>
  httpHandler('webhooks-delete', {}, async ({ principal, params }) => {
    await webhooks.remove(principal, params.id ?? '');
    return { status: 204 };
  });

export const handler = lazyHandler(() => createHandler(webhookService()));
