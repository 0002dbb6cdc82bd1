/**
 * DynamoDB throttling and conditional-check storms through the real route handlers, against
 * DynamoDB Local behind a loopback proxy that answers the next N requests with
 * ProvisionedThroughputExceededException (as DynamoDB does, HTTP 400 with that `__type`).
 * Nothing is lost or written twice, and what a user sees says what to do.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENV } from '../../shared/config/env-names.ts';
import type { ApiEvent } from '../../shared/http/handler.ts';
import { apiEvent, lambdaContext } from '../support/api-events.ts';
import { admin } from '../support/principals.ts';
import type { TestTable } from './support.ts';
import { createTestTable } from './support.ts';

type Handler = (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const THROTTLED = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded.',
});

let table: TestTable;
let proxy: Server;
/** Requests still to be answered with throttling. */
let throttle = 0;
let throttled = 0;
const handlers: Record<string, Handler> = {};
const acme = admin('acme');
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  table = await createTestTable();
  const upstream = inject('dynamodbEndpoint');
  proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (throttle > 0) {
      throttle--;
      throttled++;
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(THROTTLED);
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        ([name]) => !['host', 'connection', 'content-length'].includes(name),
      ),
    ) as Record<string, string>;
    const reply = await fetch(upstream, { method: 'POST', headers, body: Buffer.concat(chunks) });
    res.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? '' });
    res.end(Buffer.from(await reply.arrayBuffer()));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    [ENV.tableName]: table.tableName,
    [ENV.dynamodbEndpoint]: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
  });
  for (const name of ['create', 'patch', 'list', 'get', 'events']) {
    const module = (await import(`../../functions/servers/${name}.ts`)) as { handler: Handler };
    handlers[name] = module.handler;
  }
});

afterAll(async () => {
  table.client.destroy();
  await new Promise((resolve) => proxy.close(resolve));
});

const call = async (name: string, init: Parameters<typeof apiEvent>[0]) => {
  const result = await (handlers[name] as Handler)(apiEvent({ principal: acme, ...init }), lambdaContext);
  return { ...result, json: result.body ? JSON.parse(result.body) : null };
};
const list = async () => (await call('list', { queryStringParameters: { limit: '100' } })).json.items;
const create = (name: string) =>
  call('create', { method: 'POST', body: JSON.stringify({ name, game: 'ets2' }), headers: json });

describe('DynamoDB throttling', () => {
  it('retries a throttled write with the SDK backoff and creates the server once', async () => {
    const before = (await list()).length;
    throttle = 2;
    throttled = 0;
    const reply = await create('Throttled once or twice');
    expect(reply.statusCode).toBe(201);
    expect(throttled).toBe(2);
    expect((await list()).length).toBe(before + 1);
  });

  it('answers 503 that says to retry when throttling outlasts the function, and a retry with the Idempotency-Key makes one server', async () => {
    const before = (await list()).length;
    throttle = 1_000;
    // A function with 2 s left: the SDK is still backing off when middy answers for the timeout.
    const shortLived = { ...lambdaContext, getRemainingTimeInMillis: () => 2_000 } as Context;
    const body = JSON.stringify({ name: 'Throttled for good', game: 'ets2' });
    const headers = { ...json, 'idempotency-key': 'storm-1' };
    const event = apiEvent({ method: 'POST', body, headers, principal: acme });
    const reply = await (handlers.create as Handler)(event, shortLived);
    throttle = 0;
    expect(reply.statusCode).toBe(503);
    expect(reply.headers).toMatchObject({ 'content-type': 'application/problem+json', 'retry-after': '2' });
    expect(JSON.parse(reply.body ?? '{}').detail).toMatch(/may still take effect; retry .*Idempotency-Key/);
    expect(reply.body).not.toMatch(/Provisioned|throughput|test-|Abort|stack/i);
    // The outcome was unknown to the caller; the retry it was told to make cannot double it.
    const retried = await call('create', { method: 'POST', body, headers });
    expect(retried.statusCode).toBe(201);
    const again = await call('create', { method: 'POST', body, headers });
    expect(again.json.id).toBe(retried.json.id);
    expect((await list()).length).toBe(before + 1);
  });
});

describe('a conditional-check storm', () => {
  it('applies each of 20 concurrent PATCHes of one server once or refuses it saying to retry, losing none', async () => {
    const id = (await create('Storm')).json.id as string;
    const messages = Array.from({ length: 20 }, (_, i) => `Patch number ${i}`);
    const replies = await Promise.all(
      messages.map((welcomeMessage) =>
        call('patch', {
          method: 'PATCH',
          pathParameters: { id },
          body: JSON.stringify({ config: { welcomeMessage } }),
          headers: json,
        }),
      ),
    );
    const applied = replies.filter((r) => r.statusCode === 200);
    const refused = replies.filter((r) => r.statusCode !== 200);
    for (const r of refused) {
      expect(r.statusCode).toBe(409);
      expect(r.json.detail).toMatch(/retry/i);
    }
    expect(applied.length).toBeGreaterThan(0);
    // Every applied patch made exactly one version and one event; the last one written is what is stored.
    const server = (await call('get', { pathParameters: { id } })).json;
    expect(server.version).toBe(1 + applied.length);
    expect(applied.map((r) => r.json.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: applied.length }, (_, i) => i + 2),
    );
    const last = applied.find((r) => r.json.version === server.version);
    expect(server.config.welcomeMessage).toBe(last?.json.config.welcomeMessage);
    const events = (await call('events', { pathParameters: { id }, queryStringParameters: { limit: '100' } }))
      .json.items;
    expect(events.filter((e: { type: string }) => e.type === 'server.updated')).toHaveLength(applied.length);
  });
});
