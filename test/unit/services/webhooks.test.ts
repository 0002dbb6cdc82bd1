import { describe, expect, it } from 'vitest';
import { createHandler as createWebhookHandler } from '../../../functions/webhooks/create.ts';
import { createHandler as deliverHandler } from '../../../functions/webhooks/deliver.ts';
import { urlProblem } from '../../../shared/domain/address-policy.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../shared/domain/errors.ts';
import type { DeliveryMessage } from '../../../shared/domain/webhook.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../../../shared/domain/webhook.ts';
import {
  createDeliverer,
  createDispatcher,
  createWebhookService,
} from '../../../shared/services/webhooks.ts';
import { apiEvent, lambdaContext } from '../../support/api-events.ts';
import { FixedClock, RecordingSink } from '../../support/fakes.ts';
import { admin } from '../../support/principals.ts';
import {
  InMemoryBudgetWatch,
  InMemoryWebhookRepository,
  RecordingQueue,
  ScriptedSender,
} from '../../support/webhook-fakes.ts';

const awsCheck = async (url: string) => urlProblem(url, false);

function setup(statuses: (number | null)[] = [204]) {
  const repo = new InMemoryWebhookRepository();
  const queue = new RecordingQueue();
  const sender = new ScriptedSender(statuses);
  const clock = new FixedClock();
  const budgets = new InMemoryBudgetWatch(clock);
  return {
    repo,
    queue,
    sender,
    clock,
    budgets,
    service: createWebhookService({ webhooks: repo, clock, checkUrl: awsCheck }),
    dispatcher: createDispatcher({ webhooks: repo, queue, clock, budgets }),
    deliverer: createDeliverer({ webhooks: repo, queue, sender, clock, local: false }),
  };
}

const readyChange = (id = 'rec-1') => ({
  id,
  old: { entity: 'server', tenantId: 'acme', id: 'srv_1', state: 'running', runtime: { ready: false } },
  new: {
    entity: 'server',
    tenantId: 'acme',
    id: 'srv_1',
    state: 'running',
    runtime: { ready: true, address: '203.0.113.10', connectionPort: 27015, searchId: '1/101' },
  },
});

describe('webhook routes', () => {
  it('shows the secret once at create and never in reads', async () => {
    const { service } = setup();
    const { webhook, secret } = await service.create(admin('acme'), {
      url: 'https://hooks.example.com/x',
      events: ['server.ready'],
    });
    expect(secret).toMatch(/^cvw_[A-Za-z0-9_-]{43}$/);
    expect(webhook).toMatchObject({ id: expect.stringMatching(/^whk_/), format: 'json' });
    expect(JSON.stringify(await service.list(admin('acme'), { limit: 20 }))).not.toContain(secret);
    expect(JSON.stringify(await service.get(admin('acme'), webhook.id))).not.toContain(secret);
  });

  it('keeps tenants apart and refuses keys restricted to some servers', async () => {
    const { service } = setup();
    const { webhook } = await service.create(admin('acme'), {
      url: 'https://hooks.example.com/x',
      events: ['server.ready'],
    });
    await expect(service.get(admin('other'), webhook.id)).rejects.toThrow(NotFoundError);
    await expect(service.remove(admin('other'), webhook.id)).rejects.toThrow(NotFoundError);
    const restricted = admin('acme', { servers: ['srv_1'] });
    await expect(
      service.create(restricted, { url: 'https://hooks.example.com/x', events: ['server.ready'] }),
    ).rejects.toThrow(ForbiddenError);
  });

  it('refuses an eleventh webhook', async () => {
    const { service } = setup();
    for (let i = 0; i < 10; i++) {
      await service.create(admin('acme'), {
        url: `https://hooks.example.com/${i}`,
        events: ['server.ready'],
      });
    }
    await expect(
      service.create(admin('acme'), { url: 'https://hooks.example.com/x', events: ['server.ready'] }),
    ).rejects.toThrow(ConflictError);
  });

  it('answers 400 with the reason for a URL at a private address (AWS mode)', async () => {
    const { service } = setup();
    const handler = createWebhookHandler(service);
    const result = await handler(
      apiEvent({
        method: 'POST',
        path: '/v1/webhooks',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'https://169.254.169.254/latest/meta-data/', events: ['server.ready'] }),
        principal: admin('acme'),
      }),
      lambdaContext,
    );
    expect(result.statusCode).toBe(400);
    const problem = JSON.parse(result.body ?? '{}');
    expect(problem.errors).toEqual([{ path: 'url', message: expect.stringContaining('link-local address') }]);
  });
});

describe('the dispatcher', () => {
  it('queues one delivery per subscribed webhook of the tenant, with a stable event id', async () => {
    const { service, dispatcher, queue } = setup();
    const a = await service.create(admin('acme'), {
      url: 'https://a.example.com/',
      events: ['server.ready'],
    });
    await service.create(admin('acme'), { url: 'https://b.example.com/', events: ['server.stopped'] });
    await service.create(admin('other'), { url: 'https://c.example.com/', events: ['server.ready'] });
    expect(await dispatcher.dispatch([readyChange()])).toBe(1);
    expect(queue.sent).toEqual([
      { delaySeconds: 0, message: expect.objectContaining({ webhookId: a.webhook.id, attempt: 1 }) },
    ]);
    await dispatcher.dispatch([readyChange()]);
    expect(queue.sent[1]?.message.event.id).toBe(queue.sent[0]?.message.event.id);
    await dispatcher.dispatch([readyChange('rec-2')]);
    expect(queue.sent[2]?.message.event.id).not.toBe(queue.sent[0]?.message.event.id);
  });

  it('tells the observer of every event, subscribed to or not', async () => {
    const repo = new InMemoryWebhookRepository();
    const clock = new FixedClock();
    const seen: string[] = [];
    const dispatcher = createDispatcher({
      webhooks: repo,
      queue: new RecordingQueue(),
      clock,
      budgets: new InMemoryBudgetWatch(clock),
      observe: (event) => seen.push(`${event.tenantId} ${event.type} ${String(event.data.serverId)}`),
    });
    expect(await dispatcher.dispatch([readyChange()])).toBe(0);
    expect(seen).toEqual(['acme server.ready srv_1']);
  });

  // FixedClock: 2026-11-22. 10 h of t3.medium closed this month: $0.466 at these prices.
  const prices = { instanceHourlyUsd: { 't3.medium': 0.0416 }, ipv4HourlyUsd: 0.005 };
  const summary = (monthlyUsd: number) => ({ monthlyUsd, prices, 'closedMs#2026-11#t3.medium': 36_000_000 });
  const heartbeat = (id: string, tenantId = 'acme') => ({
    id,
    old: { entity: 'server', tenantId, id: 'srv_1', state: 'running', runtime: { players: 2 } },
    new: { entity: 'server', tenantId, id: 'srv_1', state: 'running', runtime: { players: 3 } },
  });

  it('warns once a month when a running server takes the tenant to 80 % of its budget', async () => {
    const { service, dispatcher, queue, budgets } = setup();
    const hook = await service.create(admin('acme'), {
      url: 'https://a.example.com/',
      events: ['budget.warning'],
    });
    budgets.summaries.set('acme', summary(0.55));
    expect(await dispatcher.dispatch([heartbeat('rec-1'), heartbeat('rec-2')])).toBe(1);
    expect(budgets.reads).toEqual(['acme']);
    expect(queue.sent[0]?.message).toMatchObject({
      webhookId: hook.webhook.id,
      event: {
        type: 'budget.warning',
        tenantId: 'acme',
        data: {
          month: '2026-11',
          monthlyUsd: 0.55,
          spentUsd: 0.47,
          fractionUsed: 0.847,
          warnAtFraction: 0.8,
        },
      },
    });
    // Marked: the next heartbeats warn no more.
    expect(budgets.summaries.get('acme')?.budgetWarned).toBe('2026-11');
    expect(await dispatcher.dispatch([heartbeat('rec-3')])).toBe(0);
  });

  it('checks no budget for changes that spend nothing, and does not warn below 80 %', async () => {
    const { service, dispatcher, queue, budgets } = setup();
    await service.create(admin('acme'), { url: 'https://a.example.com/', events: ['budget.warning'] });
    budgets.summaries.set('acme', summary(0.5));
    const stoppedRename = {
      id: 'rec-1',
      old: { entity: 'server', tenantId: 'acme', id: 'srv_1', state: 'stopped', name: 'a' },
      new: { entity: 'server', tenantId: 'acme', id: 'srv_1', state: 'stopped', name: 'b' },
    };
    const packageReady = {
      id: 'rec-2',
      old: null,
      new: { entity: 'package', tenantId: 'acme', id: 'pkg_1', state: 'uploading' },
    };
    await dispatcher.dispatch([stoppedRename, packageReady]);
    expect(budgets.reads).toEqual([]);
    budgets.summaries.set('acme', summary(1));
    await dispatcher.dispatch([heartbeat('rec-3')]);
    expect(budgets.reads).toEqual(['acme']);
    expect(queue.sent).toEqual([]);
  });

  it('warns again under the same id when a batch fails between queueing and marking', async () => {
    const { service, dispatcher, queue, budgets } = setup();
    await service.create(admin('acme'), { url: 'https://a.example.com/', events: ['budget.warning'] });
    budgets.summaries.set('acme', summary(0.5));
    const mark = budgets.markWarned.bind(budgets);
    budgets.markWarned = async () => {
      throw new Error('throttled');
    };
    await expect(dispatcher.dispatch([heartbeat('rec-1')])).rejects.toThrow('throttled');
    budgets.markWarned = mark;
    await dispatcher.dispatch([heartbeat('rec-1')]);
    expect(queue.sent).toHaveLength(2);
    expect(queue.sent[1]?.message.event.id).toBe(queue.sent[0]?.message.event.id);
    expect(await dispatcher.dispatch([heartbeat('rec-2')])).toBe(0);
  });
});

describe('the deliverer', () => {
  async function queued(statuses: (number | null)[]) {
    const parts = setup(statuses);
    const { webhook, secret } = await parts.service.create(admin('acme'), {
      url: 'https://a.example.com/',
      events: ['server.ready'],
    });
    await parts.dispatcher.dispatch([readyChange()]);
    const first = parts.queue.sent.shift()?.message as DeliveryMessage;
    return { ...parts, webhook, secret, first };
  }

  it('posts the signed event and records the success', async () => {
    const { deliverer, sender, repo, secret, first, clock } = await queued([204]);
    expect(await deliverer.deliver(first)).toBe('delivered');
    const [post] = sender.posts;
    if (!post) throw new Error('no post');
    const signed = { timestamp: post.headers[TIMESTAMP_HEADER], signature: post.headers[SIGNATURE_HEADER] };
    expect(verifyWebhook(secret, signed, post.body, clock.now())).toBe(true);
    expect(repo.attemptLog.map((a) => a.attempt)).toEqual([
      expect.objectContaining({ attempt: 1, status: 204, ok: true, error: null, nextAttemptAt: null }),
    ]);
  });

  it('queues a failed try again with its backoff, and gives up after the last', async () => {
    const { deliverer, queue, repo, first } = await queued([500, null, 503, 500]);
    let message = first;
    const outcomes: string[] = [];
    for (;;) {
      outcomes.push(await deliverer.deliver(message));
      const next = queue.sent.shift();
      if (!next) break;
      outcomes.push(`+${next.delaySeconds}s`);
      message = next.message;
    }
    expect(outcomes).toEqual(['retrying', '+30s', 'retrying', '+120s', 'retrying', '+600s', 'failed']);
    expect(repo.attemptLog.map((a) => [a.attempt.attempt, a.attempt.status, a.attempt.error])).toEqual([
      [1, 500, 'HTTP 500'],
      [2, null, 'timed out after 10000 ms'],
      [3, 503, 'HTTP 503'],
      [4, 500, 'HTTP 500'],
    ]);
  });

  it('drops a delivery whose webhook was deleted', async () => {
    const { deliverer, service, webhook, sender, first } = await queued([204]);
    await service.remove(admin('acme'), webhook.id);
    expect(await deliverer.deliver(first)).toBe('gone');
    expect(sender.posts).toEqual([]);
  });

  it('reports an unreadable message as a batch item failure (for the dead-letter queue)', async () => {
    const { deliverer, first } = await queued([204]);
    const sink = new RecordingSink();
    const handler = deliverHandler(deliverer, sink);
    const record = (messageId: string, body: string) => ({ messageId, body }) as never;
    const result = await handler({
      Records: [record('m1', '{"nope":1}'), record('m2', JSON.stringify(first))],
    });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    // One point per try, by outcome: what the failed-deliveries alarm counts.
    expect(sink.points.map((p) => p.dimensions?.Outcome).sort()).toEqual(['delivered', 'unhandled']);
  });
});
