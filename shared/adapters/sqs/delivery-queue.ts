/**
 * The webhook delivery queue over `fetch` with SigV4: SQS's JSON protocol (`SendMessageBatch`),
 * as the SDK sends it. Not `@aws-sdk/client-sqs`: the signer is in every bundle already, and
 * the client would add tens of KiB for one call. The local stand-in speaks the same protocol.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { SignatureV4 } from '@smithy/signature-v4';
import type { DeliveryMessage } from '../../domain/webhook.ts';
import type { DeliveryQueue } from '../../services/ports.ts';
import { NodeSha256 } from '../sigv4/node-sha256.ts';

export interface SqsDeliveryQueueOptions {
  readonly region: string;
  readonly queueUrl: string;
  /** Locally, the stand-in's URL; in AWS the regional endpoint. */
  readonly endpoint?: string | undefined;
  /** @default - a SigV4 signer with the function's credentials from its environment */
  readonly signer?: SignatureV4;
}

/** SQS takes at most ten messages per batch. */
const BATCH = 10;
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function createSqsDeliveryQueue(options: SqsDeliveryQueueOptions): DeliveryQueue {
  const base = new URL(options.endpoint ?? `https://sqs.${options.region}.amazonaws.com/`);
  const signer =
    options.signer ??
    new SignatureV4({
      service: 'sqs',
      region: options.region,
      credentials: options.endpoint ? LOCAL_CREDENTIALS : fromEnv(),
      sha256: NodeSha256,
    });

  async function sendBatch(messages: readonly DeliveryMessage[], delaySeconds: number): Promise<void> {
    const body = JSON.stringify({
      QueueUrl: options.queueUrl,
      Entries: messages.map((message, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify(message),
        DelaySeconds: Math.min(900, Math.max(0, Math.round(delaySeconds))),
      })),
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path: '/',
      headers: {
        host: base.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.SendMessageBatch',
      },
      body,
    });
    const { host: _host, ...headers } = signed.headers;
    const response = await fetch(`${base.origin}/`, { method: 'POST', headers, body });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`SQS SendMessageBatch answered ${response.status}: ${text.slice(0, 300)}`);
    const failed = (JSON.parse(text || '{}') as { Failed?: { Id: string; Code?: string }[] }).Failed ?? [];
    // A throw makes the caller's trigger retry the batch: duplicates carry the same event id.
    if (failed.length)
      throw new Error(`SQS refused ${failed.length} messages (${failed[0]?.Code ?? 'unknown'})`);
  }

  return {
    async send(messages, delaySeconds) {
      for (let i = 0; i < messages.length; i += BATCH)
        await sendBatch(messages.slice(i, i + BATCH), delaySeconds);
    },
  };
}
