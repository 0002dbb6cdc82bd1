/**
 * The webhook adapters against the local stand-ins: the repository on DynamoDB Local, the
 * table's stream read as the local runtime reads it, the SQS adapter against the SQS stand-in,
 * and the HTTP sender against loopback receivers (timeouts, the SSRF guard at connect time).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSqsStandIn, startStreamPoller } from '../../local/webhooks.ts';
import { createWebhookRepository } from '../../shared/adapters/dynamodb/webhook-repository.ts';
import { createSqsDeliveryQueue } from '../../shared/adapters/sqs/delivery-queue.ts';
import {
  createHttpSender,
  createUrlChecker,
  guardedLookup,
} from '../../shared/adapters/webhooks/http-sender.ts';
import { newId } from '../../shared/domain/ids.ts';
import type { DeliveryAttempt, WebhookRecord } from '../../shared/domain/webhook.ts';
import { FixedClock } from '../support/fakes.ts';
import { createTestTable } from './support.ts';

let table: Awaited<ReturnType<typeof createTestTable>>;
const clock = new FixedClock(new Date());

beforeAll(async () => {
  table = await createTestTable();
});

const webhook = (tenantId: string): WebhookRecord => ({
  id: newId('whk'),
  tenantId,
  url: 'https://hooks.example.com/x',
  events: ['server.ready'],
  format: 'json',
  createdAt: clock.now().toISOString(),
});

describe('the webhook repository', () => {
  it('keeps the secret for the deliverer only, and the per-tenant limit', async () => {
    const repo = createWebhookRepository({ ...table, clock });
    const a = webhook('t-limit');
    expect(await repo.create(a, 'cvw_a', 2)).toBe(true);
    expect(await repo.create(webhook('t-limit'), 'cvw_b', 2)).toBe(true);
    expect(await repo.create(webhook('t-limit'), 'cvw_c', 2)).toBe(false);
    expect(await repo.get('t-limit', a.id)).toEqual(a);
    expect(JSON.stringify(await repo.list('t-limit', { limit: 10 }))).not.toContain('cvw_');
    expect(await repo.withSecret('t-limit', a.id)).toEqual({ webhook: a, secret: 'cvw_a' });
    expect(await repo.get('someone-else', a.id)).toBeNull();
    expect(await repo.remove('t-limit', a.id)).toBe(true);
    expect(await repo.remove('t-limit', a.id)).toBe(false);
    expect(await repo.create(webhook('t-limit'), 'cvw_d', 2)).toBe(true);
  });

  it('answers the latest attempts first', async () => {
    const repo = createWebhookRepository({ ...table, clock });
    const id = newId('whk');
    const attempt = (n: number): DeliveryAttempt => ({
      at: new Date(clock.now().getTime() + n * 1000).toISOString(),
      eventId: 'whe_1',
      eventType: 'server.ready',
      attempt: n,
      status: n < 3 ? 500 : 204,
      ok: n === 3,
      error: n < 3 ? 'HTTP 500' : null,
      durationMs: 5,
      nextAttemptAt: null,
    });
    for (const n of [1, 2, 3]) await repo.recordAttempt(id, attempt(n));
    expect((await repo.attempts(id, 2)).map((a) => a.attempt)).toEqual([3, 2]);
  });
});

describe('the local table stream', () => {
  it('hands server changes with both images to the dispatcher', async () => {
    const batches: unknown[] = [];
    const stop = startStreamPoller({
      endpoint: inject('dynamodbEndpoint'),
      tableName: table.tableName,
      region: 'us-east-1',
      handler: async (event) => {
        batches.push(event);
      },
      intervalMs: 100,
    });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const Key = { pk: 'TENANT#stream', sk: 'SERVER#srv_s' };
      await table.client.send(
        new PutCommand({ TableName: table.tableName, Item: { ...Key, entity: 'server', state: 'stopped' } }),
      );
      await table.client.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key,
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':s': 'starting' },
        }),
      );
      const deadline = Date.now() + 10_000;
      const records = () => batches.flatMap((b) => (b as { Records: unknown[] }).Records);
      while (records().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const modify = records().find((r) => (r as { eventName: string }).eventName === 'MODIFY') as {
        dynamodb: { OldImage: { state: { S: string } }; NewImage: { state: { S: string } } };
        eventID: string;
      };
      expect(modify.dynamodb.OldImage.state.S).toBe('stopped');
      expect(modify.dynamodb.NewImage.state.S).toBe('starting');
      expect(modify.eventID).toEqual(expect.any(String));
    } finally {
      await stop();
    }
  });
});

describe('the SQS adapter and stand-in', () => {
  it('delivers a batch after its delay', async () => {
    const sqs = await startSqsStandIn();
    const got: { at: number; body: string }[] = [];
    sqs.start(async (event) => {
      for (const r of event.Records) got.push({ at: Date.now(), body: r.body });
      return { batchItemFailures: [] };
    });
    try {
      const queue = createSqsDeliveryQueue({
        region: 'us-east-1',
        queueUrl: sqs.queueUrl,
        endpoint: sqs.endpoint,
      });
      const message = {
        webhookId: 'whk_1',
        attempt: 2,
        event: { id: 'whe_1', type: 'server.ready' as const, at: 'now', tenantId: 't', data: {} },
      };
      const sent = Date.now();
      await queue.send([message], 1);
      while (got.length === 0 && Date.now() - sent < 5_000) await new Promise((r) => setTimeout(r, 50));
      expect(JSON.parse(got[0]?.body ?? '{}')).toEqual(message);
      expect((got[0]?.at ?? 0) - sent).toBeGreaterThanOrEqual(900);
    } finally {
      await sqs.close();
    }
  });
});

describe('the HTTP sender', () => {
  const server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    res.writeHead(req.url === '/fail' ? 503 : 200);
    res.end('a body nobody reads');
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const request = { body: '{}', headers: { 'content-type': 'application/json' } };

  it('answers the receiver status in local mode, and times out a receiver that hangs', async () => {
    const sender = createHttpSender({ local: true, timeoutMs: 300 });
    expect(await sender.post(`${base}/ok`, request)).toEqual({ status: 200, error: null });
    expect(await sender.post(`${base}/fail`, request)).toEqual({ status: 503, error: null });
    const started = Date.now();
    expect(await sender.post(`${base}/hang`, request)).toEqual({
      status: null,
      error: 'timed out after 300 ms',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses loopback in AWS mode, by URL and by what a name resolves to', async () => {
    const sender = createHttpSender({ local: false, timeoutMs: 1_000 });
    expect((await sender.post(`${base}/ok`, request)).error).toMatch(/^refused: URL must be an https URL/);
    const https = base.replace('http:', 'https:');
    expect((await sender.post(https, request)).error).toMatch(
      /^refused: URL must not point at a loopback address/,
    );
    // A name is judged by what it resolves to, at connect time: the guarded lookup refuses it.
    const looked = await new Promise<Error | null>((resolve) =>
      guardedLookup('localhost', {}, (error) => resolve(error)),
    );
    expect(looked?.message).toMatch(/^localhost resolves to a (loopback|unspecified) address$/);
  });

  it('checks names at create time in AWS mode', async () => {
    const check = createUrlChecker(false);
    expect(await check('https://127.0.0.1/')).toMatch(/loopback/);
    expect(await check('http://hooks.example.com/')).toBe('must be an https URL');
    expect(await createUrlChecker(true)(`${base}/ok`)).toBeNull();
  });
});
