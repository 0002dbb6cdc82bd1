import { lazyHandler } from '../../shared/composition.ts';
import { webhookService } from '../../shared/composition-webhooks.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { pageOf } from '../../shared/http/pagination.ts';
import type { WebhookService } from '../../shared/services/webhooks.ts';

export const createHandler = (webhooks: Pick<WebhookService, 'list'>) =>
  httpHandler('webhooks-list', {}, async ({ principal, query }) => ({
    status: 200,
    json: await webhooks.list(principal, pageOf(query)),
  }));

export const handler = lazyHandler(() => createHandler(webhookService()));
