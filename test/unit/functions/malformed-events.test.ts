/**
 * Malformed events to every function that no HTTP route invokes: the jobs (`JOBS`), the webhook
 * pipeline (`WEBHOOK_FUNCTIONS`) and the API-key authorizer. Each registry entry needs a case
 * here (a new job fails this file until it has one). What "correct" is depends on the trigger:
 * - an event-triggered function (EC2 state change, Scheduler) logs and ignores an event it cannot
 *   read, and calls nothing: a throw would only make Lambda retry the same unreadable event;
 * - a scheduled job reads nothing from its event, so any event runs the same tick;
 * - the stream consumer skips records it cannot read and still dispatches the readable ones;
 * - the queue consumer reports exactly the unreadable messages as batch item failures (SQS then
 *   moves them to the dead-letter queue after a few receives), never failing the whole batch;
 * - the authorizer answers "unauthenticated" (the handler then says 401 and how to authenticate).
 */
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { AUTHORIZER } from '../../../shared/http/routes.ts';
import { JOBS } from '../../../shared/runtime/jobs.ts';
import { WEBHOOK_FUNCTIONS } from '../../../shared/runtime/webhook-functions.ts';
import { lambdaContext } from '../../support/api-events.ts';
import { RecordingSink } from '../../support/fakes.ts';

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;
type Factory = (deps: unknown, metrics: RecordingSink) => AnyHandler;

const load = async (entry: string): Promise<Factory> =>
  ((await import(new URL(`../../../${entry}`, import.meta.url).href)) as { createHandler: Factory })
    .createHandler;

/** Events no trigger should send, but a mis-wired rule, a manual test invoke or a bug might. */
const GARBAGE: readonly [string, unknown][] = [
  ['an empty object', {}],
  ['null', null],
  ['undefined', undefined],
  ['a string', 'hello'],
  ['an array', [1, 2]],
  ['a number', 42],
  ['records that are not a list', { Records: 'x', detail: 'x' }],
  ['a detail of the wrong types', { detail: { 'instance-id': 42, state: {} } }],
  ['an instance id of 10,000 characters', { detail: { 'instance-id': `i-${'f'.repeat(10_000)}` } }],
  ['an instance id with path traversal', { detail: { 'instance-id': '../../servers' } }],
];

const REPORT = { checkedHosts: 0, checkedServers: 0, actions: [], orphans: [] };
const TICK = { active: 0, stopped: [], failed: 0, unfinished: false };

describe('the event-triggered and scheduled jobs', () => {
  it('has a case for every job of the registry', () => {
    expect(JOBS.map((j) => j.name).sort()).toEqual(
      ['ec2-reconcile', 'ec2-state-change', 'idle-reaper', 'schedule-fire'].sort(),
    );
  });

  it('ignores an EC2 state change it cannot read, calling nothing', async () => {
    const job = JOBS.find((j) => j.name === 'ec2-state-change');
    const lifecycle = { syncInstance: vi.fn(async () => 'none') };
    const handler = (await load(job?.entry ?? ''))(lifecycle, new RecordingSink());
    for (const [label, event] of GARBAGE) {
      await expect(handler(event, lambdaContext), label).resolves.toMatchObject({ action: 'ignored' });
    }
    expect(lifecycle.syncInstance).not.toHaveBeenCalled();
    const good = { detail: { 'instance-id': 'i-0123456789abcdef0', state: 'running' } };
    await expect(handler(good, lambdaContext)).resolves.toEqual({
      instanceId: 'i-0123456789abcdef0',
      action: 'none',
    });
  });

  it('runs the reconciler and the idle reaper the same whatever their event', async () => {
    for (const name of ['ec2-reconcile', 'idle-reaper']) {
      const job = JOBS.find((j) => j.name === name);
      const service = { reconcile: vi.fn(async () => REPORT), tick: vi.fn(async () => TICK) };
      const handler = (await load(job?.entry ?? ''))(service, new RecordingSink());
      for (const [label, event] of GARBAGE) {
        await expect(handler(event, lambdaContext), `${name} with ${label}`).resolves.toBeDefined();
      }
      const calls = service.reconcile.mock.calls.length + service.tick.mock.calls.length;
      expect(calls, name).toBe(GARBAGE.length);
    }
  });

  it('records nothing and starts nothing for a scheduled start it cannot read', async () => {
    const job = JOBS.find((j) => j.name === 'schedule-fire');
    const runner = { run: vi.fn(async () => 'started') };
    const handler = (await load(job?.entry ?? ''))(runner, new RecordingSink());
    const wrongShapes: [string, unknown][] = [
      ...GARBAGE,
      ['ids of the wrong types', { serverId: 1, scheduleId: null, scheduledFor: {} }],
    ];
    for (const [label, event] of wrongShapes) {
      await expect(handler(event, lambdaContext), label).resolves.toEqual({ result: 'invalid-event' });
    }
    expect(runner.run).not.toHaveBeenCalled();
  });
});

describe('the webhook pipeline', () => {
  const goodImage = { pk: { S: 'TENANT#acme' }, sk: { S: 'SERVER#srv_1' }, state: { S: 'running' } };

  it('has a case for each of its functions', () => {
    expect(Object.keys(WEBHOOK_FUNCTIONS).sort()).toEqual(['deliver', 'dispatch']);
  });

  it('dispatches the readable stream records and skips the unreadable, without failing the batch', async () => {
    const dispatcher = { dispatch: vi.fn(async (records: unknown[]) => records.length) };
    const handler = (await load(WEBHOOK_FUNCTIONS.dispatch.entry))(dispatcher, new RecordingSink());
    for (const [label, event] of GARBAGE) {
      await expect(handler(event, lambdaContext), label).resolves.toEqual({ queued: 0 });
    }
    const batch = {
      Records: [
        { eventID: 'bad-type', dynamodb: { NewImage: { state: { Q: 'not a type' } } } },
        { eventID: 'bad-shape', dynamodb: { NewImage: 'a string' } },
        { eventID: 'good', dynamodb: { OldImage: goodImage, NewImage: goodImage } },
        { eventID: 'no-images', dynamodb: {} },
      ],
    };
    await expect(handler(batch, lambdaContext)).resolves.toEqual({ queued: 2 });
    expect(dispatcher.dispatch).toHaveBeenLastCalledWith([
      expect.objectContaining({ id: 'good', new: expect.objectContaining({ state: 'running' }) }),
      { id: 'no-images', old: null, new: null },
    ]);
  });

  it('reports exactly the unreadable messages as batch item failures', async () => {
    const deliverer = { deliver: vi.fn(async () => 'delivered') };
    const handler = (await load(WEBHOOK_FUNCTIONS.deliver.entry))(deliverer, new RecordingSink());
    for (const [label, event] of GARBAGE) {
      await expect(handler(event, lambdaContext), label).resolves.toEqual({ batchItemFailures: [] });
    }
    const good = {
      webhookId: 'whk_1',
      attempt: 1,
      event: {
        id: 'evt_1',
        type: 'server.ready',
        at: '2026-11-22T10:00:00.000Z',
        tenantId: 'acme',
        data: {},
      },
    };
    const batch = {
      Records: [
        { messageId: 'm-json', body: '{"webhookId":' },
        { messageId: 'm-shape', body: '{"webhookId":1}' },
        { messageId: 'm-null', body: 'null' },
        { messageId: 'm-huge', body: `"${'x'.repeat(300_000)}"` },
        { messageId: 'm-good', body: JSON.stringify(good) },
        null,
      ],
    };
    const result = await handler(batch, lambdaContext);
    expect(result).toEqual({
      batchItemFailures: ['m-json', 'm-shape', 'm-null', 'm-huge'].map((itemIdentifier) => ({
        itemIdentifier,
      })),
    });
    expect(deliverer.deliver).toHaveBeenCalledTimes(1);
  });
});

describe('the API-key authorizer', () => {
  it('answers unauthenticated for any malformed request, and never throws', async () => {
    const keys = { authenticate: vi.fn(async () => null) };
    const handler = (await load(AUTHORIZER.entry))(keys, new RecordingSink());
    const hostile: [string, unknown][] = [
      ...GARBAGE,
      ['an Authorization header that is not a string', { headers: { authorization: ['Bearer cvk_x'] } }],
      ['a header of 10,000 characters', { headers: { authorization: `Bearer cvk_${'a'.repeat(10_000)}` } }],
      ['a header with a NUL byte', { headers: { authorization: 'Bearer cvk_\u0000' } }],
      ['a Basic header', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }],
      ['two bearer tokens', { headers: { authorization: 'Bearer cvk_a cvk_b' } }],
    ];
    for (const [label, event] of hostile) {
      await expect(handler(event, lambdaContext), label).resolves.toEqual({
        isAuthorized: true,
        context: { authenticated: 'false' },
      });
    }
    // Only the one well-formed bearer token is looked up; the service refuses what is no secret.
    expect(keys.authenticate.mock.calls).toEqual([[`cvk_${'a'.repeat(10_000)}`], ['cvk_\u0000']]);
  });
});
