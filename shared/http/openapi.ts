/**
 * The OpenAPI 3.1 document, generated from the route table and the domain's zod schemas, so
 * the contract served at `/v1/openapi.json` is the one the handlers validate against.
 */
import { CreateKeyRequestSchema, SCOPES } from '../domain/api-key.ts';
import { HeartbeatRequestSchema } from '../domain/host.ts';
import { KeepaliveRequestSchema } from '../domain/keepalive.ts';
import { CreatePackageRequestSchema, PACKAGE_STATES } from '../domain/package.ts';
import { CreateScheduleRequestSchema, ScheduleViewSchema } from '../domain/schedule.ts';
import { CreateServerRequestSchema, GAMES, PatchServerRequestSchema } from '../domain/server.ts';
import { ServerViewSchema } from '../domain/server-view.ts';
import { BudgetRequestSchema } from '../domain/usage.ts';
import { CreateWebhookRequestSchema, WEBHOOK_EVENTS } from '../domain/webhook.ts';
import * as z from '../domain/zod.ts';
import type { RouteDef } from './routes.ts';
import { ROUTES } from './routes.ts';

interface RouteDoc {
  readonly summary: string;
  readonly body?: z.ZodMiniType;
  /** The request body is `text/plain`. */
  readonly textBody?: boolean;
  /** Optional query parameters (strings), by name → description. */
  readonly query?: Readonly<Record<string, string>>;
  /** Status → description and, for JSON responses, schema. */
  readonly responses: Readonly<
    Record<number, { description: string; schema?: z.ZodMiniType; text?: boolean }>
  >;
}

const KeyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  servers: z.nullable(z.array(z.string())),
  createdAt: z.string(),
});
const list = (item: z.ZodMiniType) => z.object({ items: z.array(item), nextCursor: z.nullable(z.string()) });
const EventSchema = z.object({
  at: z.string(),
  type: z.string(),
  actor: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

const WebhookViewSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  format: z.enum(['json', 'discord']),
  createdAt: z.string(),
});
const DeliveryAttemptSchema = z.object({
  at: z.string(),
  eventId: z.string(),
  eventType: z.enum(WEBHOOK_EVENTS),
  attempt: z.int(),
  status: z.nullable(z.int()),
  ok: z.boolean(),
  error: z.nullable(z.string()),
  durationMs: z.int(),
  nextAttemptAt: z.nullable(z.string()),
});

const BundleFileSchema = z.object({ url: z.string(), bytes: z.int(), sha256: z.string() });
const HostBundleSchema = z.object({
  serverId: z.string(),
  game: z.enum(GAMES),
  branch: z.string(),
  serverConfigSii: z.string(),
  queryPort: z.int(),
  packages: z.object({ sii: BundleFileSchema, dat: BundleFileSchema }),
  expiresAt: z.string(),
});

const DigestSchema = z.object({ bytes: z.int(), sha256: z.string() });
const ModSchema = z.object({
  packageName: z.string(),
  name: z.string(),
  modId: z.nullable(z.string()),
  workshop: z.boolean(),
  optional: z.boolean(),
});
const PackageViewSchema = z.object({
  id: z.string(),
  game: z.enum(GAMES),
  name: z.string(),
  state: z.enum(PACKAGE_STATES),
  manifest: z.nullable(
    z.object({
      map: z.nullable(z.string()),
      dlc: z.object({ essential: z.array(z.string()), nonEssential: z.array(z.string()) }),
      mods: z.array(ModSchema),
      exportedAt: z.nullable(z.string()),
      sii: DigestSchema,
      dat: DigestSchema,
    }),
  ),
  problems: z.nullable(z.array(z.object({ path: z.string(), message: z.string() }))),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.nullable(z.string()),
});
const UploadSchema = z.object({
  url: z.string(),
  method: z.literal('PUT'),
  headers: z.record(z.string(), z.string()),
  maxBytes: z.int(),
});
const CompatibilityReportSchema = z.object({
  compatible: z.boolean(),
  map: z.object({ expected: z.nullable(z.string()), actual: z.nullable(z.string()), matches: z.boolean() }),
  dlc: z.object({
    missing: z.array(z.object({ code: z.string(), essential: z.boolean() })),
    extra: z.array(z.string()),
  }),
  mods: z.object({ missing: z.array(ModSchema), extra: z.array(ModSchema) }),
});

const CostSchema = z.object({
  instanceUsd: z.number(),
  ipv4Usd: z.number(),
  volumeUsd: z.number(),
  totalUsd: z.number(),
});
const usageHeader = {
  month: z.string(),
  from: z.string(),
  to: z.string(),
  estimate: z.literal(true),
  basis: z.object({
    currency: z.literal('USD'),
    source: z.string(),
    note: z.string(),
    instanceHourlyUsd: z.record(z.string(), z.nullable(z.number())),
    ipv4HourlyUsd: z.number(),
    volume: z.object({ gb: z.int(), type: z.string(), gbMonthUsd: z.number() }),
    unpricedInstanceTypes: z.array(z.string()),
  }),
  runningHours: z.number(),
  cost: CostSchema,
};
const ServerUsageSchema = z.object({
  ...usageHeader,
  serverId: z.string(),
  volumeHours: z.number(),
  runs: z.array(
    z.object({
      startedAt: z.string(),
      endedAt: z.nullable(z.string()),
      instanceType: z.string(),
      hours: z.number(),
      costUsd: z.number(),
    }),
  ),
});
const BudgetStatusSchema = z.object({
  monthlyUsd: z.number(),
  spentUsd: z.number(),
  fractionUsed: z.number(),
});
const TenantUsageSchema = z.object({
  ...usageHeader,
  budget: z.nullable(BudgetStatusSchema),
  servers: z.array(
    z.object({
      serverId: z.string(),
      deleted: z.boolean(),
      runningHours: z.number(),
      volumeHours: z.number(),
      cost: CostSchema,
    }),
  ),
});

const DOCS: Record<string, RouteDoc> = {
  'meta-health': {
    summary: 'Liveness',
    responses: {
      200: { description: 'Up', schema: z.object({ status: z.literal('ok'), version: z.string() }) },
    },
  },
  'meta-openapi': { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
  'servers-create': {
    summary: 'Create a server (honours Idempotency-Key)',
    body: CreateServerRequestSchema,
    responses: {
      201: { description: 'Created', schema: ServerViewSchema },
      422: { description: 'Unknown package, or Idempotency-Key reused for another request' },
    },
  },
  'servers-list': {
    summary: "List the caller's servers, newest first",
    responses: { 200: { description: 'A page', schema: list(ServerViewSchema) } },
  },
  'servers-get': {
    summary: 'Get a server',
    responses: { 200: { description: 'The server (with ETag)', schema: ServerViewSchema } },
  },
  'servers-patch': {
    summary: 'Change a server (JSON merge patch; honours If-Match). Config changes apply at the next start.',
    body: PatchServerRequestSchema,
    responses: {
      200: { description: 'Changed', schema: ServerViewSchema },
      412: { description: 'If-Match does not match' },
    },
  },
  'servers-delete': {
    summary: 'Delete a server',
    responses: {
      202: { description: 'Its host is being terminated', schema: ServerViewSchema },
      204: { description: 'Deleted (it had no host)' },
    },
  },
  'servers-start': {
    summary: "Start a server's host (its first start launches it)",
    responses: {
      200: { description: 'Already starting or running: unchanged', schema: ServerViewSchema },
      202: { description: 'Starting', schema: ServerViewSchema },
      402: { description: "The tenant's monthly budget (PUT /v1/budget) is spent: not started" },
      409: { description: 'Stopping or being deleted' },
    },
  },
  'servers-stop': {
    summary: "Stop a server's host (its disk, with the game install, is kept)",
    responses: {
      200: { description: 'Already stopped or stopping: unchanged', schema: ServerViewSchema },
      202: { description: 'Stopping', schema: ServerViewSchema },
      409: { description: 'Being deleted' },
    },
  },
  'servers-keepalive': {
    summary:
      'Keep a starting or running server up for a planned break: its idle stop comes no earlier than `minutes` from now',
    body: KeepaliveRequestSchema,
    responses: {
      200: {
        description: 'Kept alive: see runtime.keepaliveUntil and runtime.idleStopAt',
        schema: ServerViewSchema,
      },
      409: { description: 'Not starting or running' },
    },
  },
  'servers-config': {
    summary: 'The server_config.sii of the next start, secrets redacted',
    responses: { 200: { description: 'SII text', text: true } },
  },
  'servers-events': {
    summary: "A server's events, newest first",
    responses: { 200: { description: 'A page', schema: list(EventSchema) } },
  },
  'usage-server': {
    summary: "A server's running hours and estimated cost in a month (UTC), run by run",
    query: { month: 'YYYY-MM (default: the current month)' },
    responses: {
      200: {
        description: 'An estimate (`estimate: true`; `basis` gives the prices)',
        schema: ServerUsageSchema,
      },
      400: { description: 'month is not YYYY-MM' },
    },
  },
  'usage-tenant': {
    summary: "The tenant's running hours and estimated cost in a month (UTC), per server (deleted ones too)",
    query: { month: 'YYYY-MM (default: the current month)' },
    responses: {
      200: {
        description: 'An estimate (`estimate: true`; `basis` gives the prices)',
        schema: TenantUsageSchema,
      },
      400: { description: 'month is not YYYY-MM' },
    },
  },
  'budget-put': {
    summary:
      "Set the tenant's monthly budget in USD (`null`: none): a start once this month's estimated run cost reaches it is refused with 402",
    body: BudgetRequestSchema,
    responses: {
      200: {
        description: "Set; this month's estimated spend against it",
        schema: z.object({
          month: z.string(),
          estimate: z.literal(true),
          monthlyUsd: z.nullable(z.number()),
          spentUsd: z.optional(z.number()),
          fractionUsed: z.optional(z.number()),
        }),
      },
    },
  },
  'schedules-create': {
    summary:
      'Schedule starts of a server: a one-off `at`, or a recurring `cron` in an IANA `timeZone`, started `warmupMinutes` (default 10) ahead',
    body: CreateScheduleRequestSchema,
    responses: {
      201: { description: 'Scheduled: see nextRunAt (the start time)', schema: ScheduleViewSchema },
      400: { description: 'Invalid: errors name the field (cron, timeZone, at, warmupMinutes)' },
      409: { description: 'The server has 20 live schedules already, or is being deleted' },
    },
  },
  'schedules-list': {
    summary: "A server's schedules with their next start times and last run",
    responses: { 200: { description: 'All of them (one page)', schema: list(ScheduleViewSchema) } },
  },
  'schedules-delete-all': {
    summary: 'Delete every schedule of a server',
    responses: { 204: { description: 'Deleted' } },
  },
  'schedules-delete': {
    summary: 'Delete a schedule',
    responses: { 204: { description: 'Deleted: it will not fire' } },
  },
  'packages-create': {
    summary: 'Create a package: presigned uploads for server_packages.sii and .dat (honours Idempotency-Key)',
    body: CreatePackageRequestSchema,
    responses: {
      201: {
        description: 'Created, pending its uploads',
        schema: z.object({
          package: PackageViewSchema,
          uploads: z.object({ sii: UploadSchema, dat: UploadSchema }),
          expiresAt: z.string(),
        }),
      },
      422: { description: 'Idempotency-Key reused for another request' },
    },
  },
  'packages-list': {
    summary: "List the tenant's packages, newest first",
    responses: { 200: { description: 'A page', schema: list(PackageViewSchema) } },
  },
  'packages-get': {
    summary: 'Get a package and its manifest',
    responses: { 200: { description: 'The package', schema: PackageViewSchema } },
  },
  'packages-delete': {
    summary: 'Delete a package',
    responses: {
      204: { description: 'Deleted' },
      409: { description: 'A server (or the deployment default) uses it' },
    },
  },
  'packages-finalize': {
    summary: 'Check the uploads, hash them, read the manifest',
    responses: {
      200: { description: 'Ready, with its manifest', schema: PackageViewSchema },
      422: {
        description:
          'A file is missing or too large, or the .sii does not parse (errors name lines): invalid',
      },
    },
  },
  'packages-check': {
    summary:
      "A driver's own server_packages.sii (text/plain) against the package: what they miss or have extra",
    textBody: true,
    responses: {
      200: { description: 'The report', schema: CompatibilityReportSchema },
      409: { description: 'The package is not ready' },
      422: { description: 'The export does not parse (errors name lines)' },
    },
  },
  'keys-create': {
    summary: 'Create an API key (the secret is shown once)',
    body: CreateKeyRequestSchema,
    responses: {
      201: { description: 'Created', schema: z.object({ key: KeyViewSchema, secret: z.string() }) },
    },
  },
  'keys-list': {
    summary: "List the tenant's keys",
    responses: { 200: { description: 'A page', schema: list(KeyViewSchema) } },
  },
  'keys-delete': { summary: 'Delete a key', responses: { 204: { description: 'Deleted' } } },
  'webhooks-create': {
    summary:
      'Create a lifecycle webhook (the signing secret is shown once; deliveries carry x-convoy-timestamp and x-convoy-signature = hex HMAC-SHA256(secret, timestamp + "." + body))',
    body: CreateWebhookRequestSchema,
    responses: {
      201: { description: 'Created', schema: z.object({ webhook: WebhookViewSchema, secret: z.string() }) },
      400: {
        description:
          'The URL may not receive deliveries (not https, or a private, loopback or link-local address)',
      },
      409: { description: 'The tenant has as many webhooks as it may' },
    },
  },
  'webhooks-list': {
    summary: "List the tenant's webhooks",
    responses: { 200: { description: 'A page', schema: list(WebhookViewSchema) } },
  },
  'webhooks-get': {
    summary: 'A webhook with its latest delivery attempts, newest first',
    responses: {
      200: {
        description: 'The webhook',
        schema: z.object({ ...WebhookViewSchema.shape, recentDeliveries: z.array(DeliveryAttemptSchema) }),
      },
    },
  },
  'webhooks-delete': { summary: 'Delete a webhook', responses: { 204: { description: 'Deleted' } } },
  'host-bundle': {
    summary: "A game host's boot bundle: its own server's config (with secrets) and package downloads",
    responses: { 200: { description: 'The bundle', schema: HostBundleSchema } },
  },
  'host-heartbeat': {
    summary: 'A game host reports its own server: readiness, search id, players, game version, failure',
    body: HeartbeatRequestSchema,
    responses: {
      200: {
        description: 'Answered; `recorded` says whether the server was up to record it',
        schema: z.object({ serverId: z.string(), state: z.string(), recorded: z.boolean() }),
      },
    },
  },
};

const jsonSchema = (schema: z.ZodMiniType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

const PROBLEM = { $ref: '#/components/schemas/Problem' };
const SECURITY: Record<RouteDef['auth'], unknown[]> = {
  apiKey: [{ apiKey: [] }],
  iam: [{ hostIam: [] }],
  none: [],
};

function operation(route: RouteDef) {
  const doc = DOCS[route.name];
  if (!doc) throw new Error(`route ${route.name} has no OpenAPI entry`);
  const params: Record<string, unknown>[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  for (const [name, description] of Object.entries(doc.query ?? {})) {
    params.push({ name, in: 'query', required: false, schema: { type: 'string' }, description });
  }
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.schema ? { content: { 'application/json': { schema: jsonSchema(r.schema, 'output') } } } : {}),
      ...(r.text ? { content: { 'text/plain': { schema: { type: 'string' } } } } : {}),
    };
  }
  responses.default = {
    description: 'A problem',
    content: { 'application/problem+json': { schema: PROBLEM } },
  };
  return {
    operationId: route.name,
    summary: doc.summary,
    ...(route.scope ? { description: `Needs the scope \`${route.scope}\`.` } : {}),
    security: SECURITY[route.auth],
    ...(params.length ? { parameters: params } : {}),
    ...(doc.textBody
      ? { requestBody: { required: true, content: { 'text/plain': { schema: { type: 'string' } } } } }
      : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'convoy-cloud', version, description: 'On-demand ETS2/ATS convoy dedicated servers.' },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (cvk_...)' },
        hostIam: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: "AWS SigV4 (service execute-api) with a game host's instance-role credentials",
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { path: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    paths,
  };
}
