/**
 * Lifecycle webhooks: the routes' use cases (make one, with its secret shown once; list; read
 * with its latest attempts; delete), the dispatcher (table changes → one queued delivery per
 * subscribed webhook) and the deliverer (sign, POST, record, retry later or give up).
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../domain/api-key.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { isIdOf, newId } from '../domain/ids.ts';
import type { BudgetWarning } from '../domain/run.ts';
import { BUDGET_WARNING_FRACTION } from '../domain/run.ts';
import type {
  CreateWebhookRequest,
  DeliveryAttempt,
  DeliveryMessage,
  WebhookEvent,
  WebhookRecord,
  WebhookView,
} from '../domain/webhook.ts';
import {
  deliveryRequest,
  MAX_WEBHOOKS_PER_TENANT,
  newWebhookSecret,
  retryDelaySeconds,
  toWebhookView,
} from '../domain/webhook.ts';
import type { ChangeEvent, ItemChange } from '../domain/webhook-events.ts';
import { eventsOfChange, spendingTenantOf } from '../domain/webhook-events.ts';
import type {
  BudgetWatch,
  Clock,
  DeliveryQueue,
  Page,
  PageRequest,
  WebhookRepository,
  WebhookSender,
} from './ports.ts';

/** What `GET /v1/webhooks/{id}` shows of the history. */
export const RECENT_ATTEMPTS = 20;

export interface WebhookServiceDeps {
  readonly webhooks: WebhookRepository;
  readonly clock: Clock;
  /** Why a URL may not receive deliveries (SSRF policy, names resolved), or `null`. */
  readonly checkUrl: (url: string) => Promise<string | null>;
}

export interface CreatedWebhook {
  readonly webhook: WebhookView;
  /** Shown once: the receiver verifies signatures with it. */
  readonly secret: string;
}

export function createWebhookService({ webhooks, clock, checkUrl }: WebhookServiceDeps) {
  return {
    async create(principal: Principal, request: CreateWebhookRequest): Promise<CreatedWebhook> {
      // A webhook hears of every server of the tenant: beyond what a restricted key may see.
      if (principal.servers !== null) {
        throw new ForbiddenError(
          'A key restricted to some servers cannot make webhooks (they see every server).',
        );
      }
      const problem = await checkUrl(request.url);
      if (problem) {
        throw new ValidationError('The webhook URL cannot receive deliveries.', [
          { path: 'url', message: problem },
        ]);
      }
      const now = clock.now();
      const record: WebhookRecord = {
        id: newId('whk', now.getTime()),
        tenantId: principal.tenantId,
        url: request.url,
        events: request.events,
        format: request.format ?? 'json',
        createdAt: now.toISOString(),
      };
      const secret = newWebhookSecret();
      if (!(await webhooks.create(record, secret, MAX_WEBHOOKS_PER_TENANT))) {
        throw new ConflictError(
          `A tenant has at most ${MAX_WEBHOOKS_PER_TENANT} webhooks; delete one first.`,
        );
      }
      return { webhook: toWebhookView(record), secret };
    },

    async list(principal: Principal, page: PageRequest): Promise<Page<WebhookView>> {
      const result = await webhooks.list(principal.tenantId, page);
      return { items: result.items.map(toWebhookView), nextCursor: result.nextCursor };
    },

    async get(principal: Principal, id: string): Promise<WebhookView> {
      // An id that cannot be one names none (and would exceed DynamoDB's key size: a 500).
      const webhook = isIdOf('whk', id) ? await webhooks.get(principal.tenantId, id) : null;
      if (!webhook)
        throw new NotFoundError(`No webhook ${id.slice(0, 40)} in this tenant; GET /v1/webhooks lists them.`);
      return { ...toWebhookView(webhook), recentDeliveries: await webhooks.attempts(id, RECENT_ATTEMPTS) };
    },

    async remove(principal: Principal, id: string): Promise<void> {
      if (!isIdOf('whk', id) || !(await webhooks.remove(principal.tenantId, id))) {
        throw new NotFoundError(`No webhook ${id.slice(0, 40)} in this tenant; GET /v1/webhooks lists them.`);
      }
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

/** A stream record: its unique id (what makes event ids stable across re-reads) and the change. */
export interface ChangeRecord extends ItemChange {
  readonly id: string;
}

export interface DispatcherDeps {
  readonly webhooks: Pick<WebhookRepository, 'list'>;
  readonly queue: DeliveryQueue;
  readonly clock: Clock;
  /** The 80 % budget warning: checked for tenants whose running servers the batch shows. */
  readonly budgets: BudgetWatch;
  /**
   * Told of every event, subscribed to or not (the function logs and measures them).
   * @default - nobody
   */
  readonly observe?: (event: WebhookEvent) => void;
}

/**
 * Turns table changes into queued deliveries. A stream record read twice (a retried batch)
 * makes the same event ids, so receivers can drop duplicates by `id`. A budget warning is queued
 * before it is marked sent, with an id fixed by tenant, month and budget: a batch retried in
 * between sends it again under the same id rather than never.
 */
export function createDispatcher({ webhooks, queue, clock, budgets, observe }: DispatcherDeps) {
  return {
    async dispatch(records: readonly ChangeRecord[]): Promise<number> {
      const messages: DeliveryMessage[] = [];
      const subscribers = new Map<string, readonly WebhookRecord[]>();
      const enqueue = async (id: string, change: ChangeEvent) => {
        let hooks = subscribers.get(change.tenantId);
        if (!hooks) {
          hooks = (await webhooks.list(change.tenantId, { limit: MAX_WEBHOOKS_PER_TENANT })).items;
          subscribers.set(change.tenantId, hooks);
        }
        const event: WebhookEvent = { id, ...change };
        observe?.(event);
        for (const hook of hooks.filter((h) => h.events.includes(change.type))) {
          messages.push({ webhookId: hook.id, attempt: 1, event });
        }
      };
      const spending = new Set<string>();
      for (const record of records) {
        for (const change of eventsOfChange(record, clock.now())) {
          await enqueue(eventIdOf(record.id, change.type), change);
        }
        const tenantId = spendingTenantOf(record);
        if (tenantId) spending.add(tenantId);
      }
      const warnings: [string, BudgetWarning][] = [];
      for (const tenantId of spending) {
        const warning = await budgets.due(tenantId);
        if (!warning) continue;
        warnings.push([tenantId, warning]);
        const { month, monthlyUsd, spentUsd, fractionUsed } = warning;
        await enqueue(eventIdOf(`budget#${tenantId}#${month}#${monthlyUsd}`, 'budget.warning'), {
          type: 'budget.warning',
          tenantId,
          at: clock.now().toISOString(),
          data: {
            month,
            monthlyUsd,
            spentUsd: Math.round(spentUsd * 100) / 100,
            fractionUsed: Math.round(fractionUsed * 1000) / 1000,
            warnAtFraction: BUDGET_WARNING_FRACTION,
          },
        });
      }
      if (messages.length) await queue.send(messages, 0);
      for (const [tenantId, warning] of warnings) await budgets.markWarned(tenantId, warning);
      return messages.length;
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

const eventIdOf = (recordId: string, type: string): string =>
  `whe_${createHash('sha256').update(`${recordId}#${type}`).digest('hex').slice(0, 26)}`;

export interface DelivererDeps {
  readonly webhooks: Pick<WebhookRepository, 'withSecret' | 'recordAttempt'>;
  readonly queue: DeliveryQueue;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  /** Local mode: the short retry schedule. */
  readonly local: boolean;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'gone';

/** One try of one delivery; a failure is recorded and queued again with its delay, never thrown. */
export function createDeliverer({ webhooks, queue, sender, clock, local }: DelivererDeps) {
  return {
    async deliver(message: DeliveryMessage): Promise<DeliveryOutcome> {
      const found = await webhooks.withSecret(message.event.tenantId, message.webhookId);
      // Deleted since the event: nobody to tell. A tenant check too, though ids are unguessable.
      if (!found || found.webhook.tenantId !== message.event.tenantId) return 'gone';
      const started = clock.now();
      const request = deliveryRequest(found.webhook, found.secret, message.event as WebhookEvent, started);
      const t0 = performance.now();
      const result = await sender.post(found.webhook.url, request);
      const durationMs = Math.round(performance.now() - t0);
      const ok = result.status !== null && result.status >= 200 && result.status < 300;
      const delay = ok ? null : retryDelaySeconds(message.attempt, local);
      const attempt: DeliveryAttempt = {
        at: started.toISOString(),
        eventId: message.event.id,
        eventType: message.event.type,
        attempt: message.attempt,
        status: result.status,
        ok,
        error: ok ? null : (result.error ?? `HTTP ${result.status}`),
        durationMs,
        nextAttemptAt: delay === null ? null : new Date(started.getTime() + delay * 1000).toISOString(),
      };
      await webhooks.recordAttempt(found.webhook.id, attempt);
      if (ok) return 'delivered';
      if (delay === null) return 'failed';
      await queue.send([{ ...message, attempt: message.attempt + 1 }], delay);
      return 'retrying';
    },
  };
}

export type Deliverer = ReturnType<typeof createDeliverer>;
