import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WebhookEvent } from '../../../shared/domain/webhook.ts';
import {
  CreateWebhookRequestSchema,
  deliveryRequest,
  discordMessage,
  MAX_ATTEMPTS,
  retryDelaySeconds,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhook,
} from '../../../shared/domain/webhook.ts';

const event: WebhookEvent = {
  id: 'whe_1',
  type: 'server.ready',
  at: '2026-11-22T10:00:00.000Z',
  tenantId: 'acme',
  data: {
    serverId: 'srv_1',
    name: 'Friday @everyone',
    address: '203.0.113.10',
    connectionPort: 27015,
    searchId: '85568392925767505/101',
  },
};
const now = new Date('2026-11-22T10:00:05.000Z');

describe('webhook signatures', () => {
  it('signs timestamp + "." + body with HMAC-SHA256, hex', () => {
    const expected = createHmac('sha256', 'cvw_secret').update('1700000000.{"a":1}').digest('hex');
    expect(signWebhook('cvw_secret', '1700000000', '{"a":1}')).toBe(expected);
  });

  it('sends the JSON event with a timestamp and a signature a receiver verifies', () => {
    const { body, headers } = deliveryRequest({ format: 'json' }, 'cvw_secret', event, now);
    expect(JSON.parse(body)).toEqual(event);
    expect(headers[TIMESTAMP_HEADER]).toBe(String(now.getTime() / 1000));
    const signed = { timestamp: headers[TIMESTAMP_HEADER], signature: headers[SIGNATURE_HEADER] };
    expect(verifyWebhook('cvw_secret', signed, body, now)).toBe(true);
    expect(verifyWebhook('cvw_other', signed, body, now)).toBe(false);
    expect(verifyWebhook('cvw_secret', signed, `${body} `, now)).toBe(false);
  });

  it('refuses a signature whose timestamp is outside the tolerance (a replay)', () => {
    const { body, headers } = deliveryRequest({ format: 'json' }, 's', event, now);
    const signed = { timestamp: headers[TIMESTAMP_HEADER], signature: headers[SIGNATURE_HEADER] };
    expect(verifyWebhook('s', signed, body, new Date(now.getTime() + 301_000))).toBe(false);
    expect(verifyWebhook('s', { timestamp: undefined, signature: undefined }, body, now)).toBe(false);
  });
});

describe('the Discord format', () => {
  it('says the search id and address in one line and pings nobody', () => {
    const message = discordMessage(event);
    expect(message.content).toContain('85568392925767505/101');
    expect(message.content).toContain('203.0.113.10:27015');
    expect(message.allowed_mentions).toEqual({ parse: [] });
    const { body } = deliveryRequest({ format: 'discord' }, 's', event, now);
    expect(Object.keys(JSON.parse(body))).toEqual(['content', 'allowed_mentions']);
  });
});

describe('the retry schedule', () => {
  it('backs off exponentially and stops after the last attempt', () => {
    expect([1, 2, 3, 4].map((a) => retryDelaySeconds(a, false))).toEqual([30, 120, 600, null]);
    expect([1, 2, 3, 4].map((a) => retryDelaySeconds(a, true))).toEqual([1, 2, 4, null]);
    expect(MAX_ATTEMPTS).toBe(4);
  });
});

describe('the create request', () => {
  it('takes known events once each and an optional format', () => {
    expect(
      CreateWebhookRequestSchema.safeParse({ url: 'https://x.example/h', events: ['server.ready'] }).success,
    ).toBe(true);
    expect(CreateWebhookRequestSchema.safeParse({ url: 'https://x.example/h', events: [] }).success).toBe(
      false,
    );
    expect(
      CreateWebhookRequestSchema.safeParse({
        url: 'https://x.example/h',
        events: ['server.ready', 'server.ready'],
      }).success,
    ).toBe(false);
    expect(
      CreateWebhookRequestSchema.safeParse({ url: 'https://x.example/h', events: ['server.exploded'] })
        .success,
    ).toBe(false);
    expect(
      CreateWebhookRequestSchema.safeParse({
        url: 'https://x.example/h',
        events: ['package.ready'],
        format: 'discord',
      }).success,
    ).toBe(true);
    expect(
      CreateWebhookRequestSchema.safeParse({
        url: 'https://x.example/h',
        events: ['package.ready'],
        secret: 'x',
      }).success,
    ).toBe(false);
  });
});
