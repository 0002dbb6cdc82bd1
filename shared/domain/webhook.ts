/**
 * Lifecycle webhooks: what a tenant subscribes to, what a delivery carries and how it is signed,
 * and when a failed delivery is tried again. Pure: no I/O (the signature is a local HMAC).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from './zod.ts';

export const WEBHOOK_EVENTS = [
  'server.starting',
  'server.ready',
  'server.empty',
  'server.stopping',
  'server.stopped',
  'server.error',
  'package.ready',
  'package.invalid',
  'budget.warning',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** A tenant's webhooks at most: each event fans out to every one of them. */
export const MAX_WEBHOOKS_PER_TENANT = 10;

export const CreateWebhookRequestSchema = z.strictObject({
  url: z.url().check(z.maxLength(2048, 'must be at most 2048 characters')),
  events: z.array(z.enum(WEBHOOK_EVENTS)).check(
    z.minLength(1, 'must name at least one event'),
    z.refine((e) => new Set(e).size === e.length, 'must not list an event twice'),
  ),
  /** `discord`: the body is a Discord channel webhook message (`content`), not the signed JSON event. */
  format: z.optional(z.enum(['json', 'discord'])),
});
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequestSchema>;

export interface WebhookRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly format: 'json' | 'discord';
  readonly createdAt: string;
}

/** One try of one delivery, as `GET /v1/webhooks/{id}` shows it. */
export interface DeliveryAttempt {
  readonly at: string;
  readonly eventId: string;
  readonly eventType: WebhookEventType;
  readonly attempt: number;
  /** The receiver's HTTP status, `null` when none came (refused, timed out, blocked address). */
  readonly status: number | null;
  readonly ok: boolean;
  readonly error: string | null;
  readonly durationMs: number;
  /** When the next try is due; `null` after a success or the last try. */
  readonly nextAttemptAt: string | null;
}

export type WebhookView = Omit<WebhookRecord, 'tenantId'> & { readonly recentDeliveries?: DeliveryAttempt[] };
export const toWebhookView = ({ tenantId: _t, ...view }: WebhookRecord): WebhookView => view;

/** What happened, as a receiver gets it: `{ id, type, at, tenantId, data }`. */
export interface WebhookEvent {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly at: string;
  readonly tenantId: string;
  readonly data: Record<string, unknown>;
}

/** One queued delivery: the event for one webhook, and which try this is (1 = first). */
export const DeliveryMessageSchema = z.object({
  webhookId: z.string(),
  attempt: z.int().check(z.gte(1)),
  event: z.object({
    id: z.string(),
    type: z.enum(WEBHOOK_EVENTS),
    at: z.string(),
    tenantId: z.string(),
    data: z.record(z.string(), z.unknown()),
  }),
});
export type DeliveryMessage = z.infer<typeof DeliveryMessageSchema>;

/** Tries in all: the first and three retries. */
export const MAX_ATTEMPTS = 4;
const AWS_RETRY_SECONDS = [30, 120, 600] as const;
/** Locally the same schedule, short enough for a test to watch it. */
const LOCAL_RETRY_SECONDS = [1, 2, 4] as const;

/**
 * Seconds to wait after try `attempt` failed before the next one, or `null` when it was the
 * last. Exponential (×4 in AWS, ×2 locally); SQS delays cap at 900 s.
 */
export function retryDelaySeconds(attempt: number, local: boolean): number | null {
  if (attempt >= MAX_ATTEMPTS) return null;
  const schedule = local ? LOCAL_RETRY_SECONDS : AWS_RETRY_SECONDS;
  return schedule[Math.max(0, attempt - 1)] ?? null;
}

export const SIGNATURE_HEADER = 'x-convoy-signature';
export const TIMESTAMP_HEADER = 'x-convoy-timestamp';
export const EVENT_ID_HEADER = 'x-convoy-event-id';

/** Webhook signing secrets: `cvw_` and 256 random bits. */
export const newWebhookSecret = (): string => `cvw_${randomBytes(32).toString('base64url')}`;

/** `HMAC-SHA256(secret, timestamp + "." + body)`, hex; the timestamp is Unix seconds. */
export const signWebhook = (secret: string, timestamp: string, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/**
 * What a receiver does (documented, and used by the tests): recompute and compare in constant
 * time, and refuse a timestamp more than `toleranceSeconds` away (replays).
 */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  now: Date = new Date(),
  toleranceSeconds = 300,
): boolean {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d+$/.test(timestamp) || !/^[0-9a-f]{64}$/.test(signature)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

/** The request a delivery sends: body and headers (signed for both formats). */
export function deliveryRequest(
  webhook: Pick<WebhookRecord, 'format'>,
  secret: string,
  event: WebhookEvent,
  now: Date,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(webhook.format === 'discord' ? discordMessage(event) : event);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'convoy-cloud-webhooks',
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
      [EVENT_ID_HEADER]: event.id,
    },
  };
}

/** A Discord channel webhook message: one line a VTC's channel can read. */
export function discordMessage(event: WebhookEvent): { content: string; allowed_mentions: { parse: [] } } {
  const d = event.data;
  const name = typeof d.name === 'string' ? d.name : String(d.serverId ?? d.packageId ?? '');
  const lines: Record<WebhookEventType, string> = {
    'server.starting': `🟡 **${name}** is starting.`,
    'server.ready': `🟢 **${name}** is ready${d.searchId ? ` — search id \`${String(d.searchId)}\`` : ''}${
      d.address ? ` (${String(d.address)}:${String(d.connectionPort)})` : ''
    }.`,
    'server.empty': `⚪ **${name}** is empty.`,
    'server.stopping': `🟠 **${name}** is stopping${d.reason ? ` (${String(d.reason)})` : ''}.`,
    'server.stopped': `⚫ **${name}** has stopped.`,
    'server.error': `🔴 **${name}** failed${d.reason ? `: ${String(d.reason)}` : ''}.`,
    'package.ready': `📦 Mod package **${name}** is ready.`,
    'package.invalid': `❌ Mod package **${name}** is invalid.`,
    'budget.warning': `💰 This month's estimated spend is ${Math.floor(Number(d.fractionUsed) * 100)} % of the $${String(
      d.monthlyUsd,
    )} budget ($${Number(d.spentUsd).toFixed(2)}).`,
  };
  // No pings from user-chosen names: Discord is told to parse no mentions at all.
  return { content: lines[event.type].slice(0, 2000), allowed_mentions: { parse: [] } };
}
