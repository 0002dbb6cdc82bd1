/**
 * The webhook pipeline's two functions, which no route invokes: the table stream's consumer
 * (changes → queued deliveries) and the queue's consumer (one try per message). The CDK's
 * `WebhookDelivery` construct and the local runtime (`local/webhooks.ts`) read this one table.
 */
export const WEBHOOK_FUNCTIONS = {
  dispatch: { name: 'webhooks-dispatch', entry: 'functions/webhooks/dispatch.ts' },
  deliver: { name: 'webhooks-deliver', entry: 'functions/webhooks/deliver.ts' },
} as const;

/** Receives of one message before SQS moves it to the dead-letter queue (handling crashes only). */
export const DELIVERY_MAX_RECEIVES = 3;
