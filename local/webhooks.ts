/**
 * The webhook pipeline's triggers in local mode, run on the same handlers Lambda runs: the
 * table's stream, read from DynamoDB Local's Streams API, drives the dispatcher as the event
 * source mapping does in AWS; an in-process SQS stand-in (the JSON protocol's
 * `SendMessageBatch`, with `DelaySeconds`) drives the deliverer, redelivering a message whose
 * handling failed and dropping it to a "dead-letter" log after `DELIVERY_MAX_RECEIVES`.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { NodeSha256 } from '../shared/adapters/sigv4/node-sha256.ts';
import { logger } from '../shared/http/logger.ts';
import { DELIVERY_MAX_RECEIVES } from '../shared/runtime/webhook-functions.ts';

export interface SqsStandIn {
  readonly endpoint: string;
  readonly queueUrl: string;
  /** Starts handing messages to `invoke` (messages sent before wait for it). */
  start(invoke: (event: SQSEvent) => Promise<unknown>): void;
  close(): Promise<void>;
}

interface Message {
  readonly id: string;
  readonly body: string;
  receives: number;
}

export async function startSqsStandIn(): Promise<SqsStandIn> {
  let invoke: ((event: SQSEvent) => Promise<unknown>) | null = null;
  const waiting: Message[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const later = (message: Message, ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      void receive(message);
    }, ms);
    timers.add(timer);
  };

  async function receive(message: Message): Promise<void> {
    if (closed) return;
    if (!invoke) {
      waiting.push(message);
      return;
    }
    message.receives++;
    const event: SQSEvent = {
      Records: [
        {
          messageId: message.id,
          receiptHandle: message.id,
          body: message.body,
          attributes: {
            ApproximateReceiveCount: String(message.receives),
            SentTimestamp: String(Date.now()),
            SenderId: 'local',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:local:000000000000:webhook-deliveries',
          awsRegion: 'local',
        },
      ],
    };
    let failed = false;
    try {
      const result = (await invoke(event)) as SQSBatchResponse | undefined;
      failed = (result?.batchItemFailures ?? []).length > 0;
    } catch (error) {
      logger.error('local webhook delivery handler failed', { error: error as Error });
      failed = true;
    }
    if (!failed) return;
    if (message.receives >= DELIVERY_MAX_RECEIVES) {
      logger.error('local webhook delivery dead-lettered', { messageId: message.id });
      return;
    }
    later(message, 1_000);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || target !== 'AmazonSQS.SendMessageBatch') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: `Unsupported: ${target}` }),
        );
        return;
      }
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        Entries: { Id: string; MessageBody: string; DelaySeconds?: number }[];
      };
      const successful = input.Entries.map((entry) => {
        const message: Message = { id: randomUUID(), body: entry.MessageBody, receives: 0 };
        later(message, (entry.DelaySeconds ?? 0) * 1000);
        return { Id: entry.Id, MessageId: message.id, MD5OfMessageBody: '' };
      });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ Successful: successful, Failed: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl: `${endpoint}/000000000000/webhook-deliveries`,
    start(fn) {
      invoke = fn;
      for (const message of waiting.splice(0)) void receive(message);
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Ticks between looks for new shards (DescribeTable + DescribeStream). */
const DISCOVER_EVERY_TICKS = 8;

export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly tableName: string;
  readonly region: string;
  readonly handler: (event: unknown) => Promise<unknown>;
  /** @default 250 */
  readonly intervalMs?: number;
}

/**
 * Reads the table's stream from now on (`LATEST` for the shards open at start, from their
 * beginning for shards that open later) and hands each batch of records to `handler`, in
 * order per shard; a failed batch is retried, as Lambda's event source mapping does.
 */
export function startStreamPoller(options: StreamPollerOptions): () => Promise<void> {
  const { endpoint, tableName, region, handler } = options;
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service: 'dynamodb',
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    sha256: NodeSha256,
  });
  const call = async <T>(action: string, input: unknown, streams = true): Promise<T> => {
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `${streams ? 'DynamoDBStreams_20120810' : 'DynamoDB_20120810'}.${action}`,
      },
      body,
    });
    const { host: _h, ...headers } = signed.headers;
    const response = await fetch(`${url.origin}/`, { method: 'POST', headers, body });
    const text = await response.text();
    if (!response.ok) throw new Error(`${action} answered ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };

  const iterators = new Map<string, string | null>();
  let first = true;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  let ticks = 0;
  let shardEnded = false;

  async function tick(): Promise<void> {
    // Shards change rarely: look for new ones every few ticks, or at once when one ended.
    if (first || shardEnded || ticks++ % DISCOVER_EVERY_TICKS === 0) await discover();
    await readShards();
  }

  async function discover(): Promise<void> {
    shardEnded = false;
    const table = await call<{ Table: { LatestStreamArn?: string } }>(
      'DescribeTable',
      { TableName: tableName },
      false,
    );
    const streamArn = table.Table.LatestStreamArn;
    if (!streamArn) return;
    const stream = await call<{
      StreamDescription: {
        Shards: { ShardId: string; SequenceNumberRange?: { EndingSequenceNumber?: string } }[];
      };
    }>('DescribeStream', { StreamArn: streamArn });
    for (const shard of stream.StreamDescription.Shards) {
      if (iterators.has(shard.ShardId)) continue;
      const closedAtStart = first && shard.SequenceNumberRange?.EndingSequenceNumber;
      if (closedAtStart) {
        iterators.set(shard.ShardId, null);
        continue;
      }
      const { ShardIterator } = await call<{ ShardIterator: string }>('GetShardIterator', {
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: first ? 'LATEST' : 'TRIM_HORIZON',
      });
      iterators.set(shard.ShardId, ShardIterator);
    }
    first = false;
  }

  async function readShards(): Promise<void> {
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const page = await call<{ Records?: unknown[]; NextShardIterator?: string }>('GetRecords', {
        ShardIterator: iterator,
        Limit: 100,
      });
      const records = page.Records ?? [];
      if (records.length) {
        // A failure throws before the iterator moves: the same records come again next tick.
        await handler({
          Records: records.map((r) => ({ ...(r as object), eventSource: 'aws:dynamodb', awsRegion: region })),
        });
      }
      iterators.set(shardId, page.NextShardIterator ?? null);
      if (!page.NextShardIterator) shardEnded = true;
    }
  }

  const timer = setInterval(() => {
    running = running.then(() =>
      stopped
        ? undefined
        : tick().catch((error: unknown) =>
            logger.error('local table stream poll failed', { error: error as Error }),
          ),
    );
  }, options.intervalMs ?? 250);
  timer.unref();
  // The first tick now: `LATEST` must be taken before the first write it should see.
  running = tick().catch((error: unknown) =>
    logger.error('local table stream poll failed', { error: error as Error }),
  );
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
