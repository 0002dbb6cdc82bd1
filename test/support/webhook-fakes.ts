import type { BudgetWarning } from '../../shared/domain/run.ts';
import { budgetWarningDue } from '../../shared/domain/run.ts';
import type { DeliveryAttempt, DeliveryMessage, WebhookRecord } from '../../shared/domain/webhook.ts';
import type {
  BudgetWatch,
  Clock,
  DeliveryQueue,
  Page,
  PageRequest,
  WebhookRepository,
  WebhookSender,
} from '../../shared/services/ports.ts';

export class InMemoryWebhookRepository implements WebhookRepository {
  readonly items = new Map<string, { webhook: WebhookRecord; secret: string }>();
  readonly attemptLog: { webhookId: string; attempt: DeliveryAttempt }[] = [];

  async create(webhook: WebhookRecord, secret: string, max: number) {
    if ([...this.items.values()].filter((i) => i.webhook.tenantId === webhook.tenantId).length >= max)
      return false;
    this.items.set(webhook.id, { webhook, secret });
    return true;
  }
  async get(tenantId: string, id: string) {
    const item = this.items.get(id);
    return item && item.webhook.tenantId === tenantId ? item.webhook : null;
  }
  async withSecret(tenantId: string, id: string) {
    const item = this.items.get(id);
    return item && item.webhook.tenantId === tenantId ? item : null;
  }
  async list(tenantId: string, request: PageRequest): Promise<Page<WebhookRecord>> {
    const all = [...this.items.values()].map((i) => i.webhook).filter((w) => w.tenantId === tenantId);
    return { items: all.slice(0, request.limit), nextCursor: null };
  }
  async remove(tenantId: string, id: string) {
    if (!(await this.get(tenantId, id))) return false;
    return this.items.delete(id);
  }
  async recordAttempt(webhookId: string, attempt: DeliveryAttempt) {
    this.attemptLog.push({ webhookId, attempt });
  }
  async attempts(webhookId: string, limit: number) {
    return this.attemptLog
      .filter((a) => a.webhookId === webhookId)
      .map((a) => a.attempt)
      .reverse()
      .slice(0, limit);
  }
}

export class RecordingQueue implements DeliveryQueue {
  readonly sent: { message: DeliveryMessage; delaySeconds: number }[] = [];
  async send(messages: readonly DeliveryMessage[], delaySeconds: number) {
    for (const message of messages) this.sent.push({ message, delaySeconds });
  }
}

/** Answers each POST with the next status of `statuses` (the last one repeats). */
export class ScriptedSender implements WebhookSender {
  readonly posts: { url: string; body: string; headers: Readonly<Record<string, string>> }[] = [];
  constructor(private readonly statuses: (number | null)[]) {}
  async post(url: string, request: { body: string; headers: Readonly<Record<string, string>> }) {
    this.posts.push({ url, ...request });
    const status = this.statuses[Math.min(this.posts.length - 1, this.statuses.length - 1)] ?? null;
    return { status, error: status === null ? 'timed out after 10000 ms' : null };
  }
}

/** Usage summary items per tenant, judged by the real `budgetWarningDue`. */
export class InMemoryBudgetWatch implements BudgetWatch {
  readonly summaries = new Map<string, Record<string, unknown>>();
  readonly reads: string[] = [];
  constructor(private readonly clock: Clock) {}
  async due(tenantId: string) {
    this.reads.push(tenantId);
    return budgetWarningDue(this.summaries.get(tenantId), this.clock.now());
  }
  async markWarned(tenantId: string, warning: BudgetWarning) {
    const summary = this.summaries.get(tenantId);
    if (summary?.monthlyUsd !== warning.monthlyUsd) return false;
    this.summaries.set(tenantId, { ...summary, budgetWarned: warning.month });
    return true;
  }
}
