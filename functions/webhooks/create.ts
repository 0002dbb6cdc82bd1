import { lazyHandler } from '../../shared/composition.ts';
import { webhookService } from '../../shared/composition-webhooks.ts';
import { CreateWebhookRequestSchema } from '../../shared/domain/webhook.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { WebhookService } from '../../shared/services/webhooks.ts';

export const createHandler = (webhooks: Pick<WebhookService, 'create'>) =>
  httpHandler('webhooks-create', { body: CreateWebhookRequestSchema }, async ({ principal, body }) => ({
    status: 201,
    json: await webhooks.create(principal, body),
  }));

export const handler = lazyHandler(() => createHandler(webhookService()));
