/**
 * Oversized and hostile input to every route of the route table, through each route's real
 * `handler` export (its production composition) against DynamoDB Local. Nothing here knows a
 * route by hand except the valid body that field-level cases start from, and a route with a JSON
 * body and no such body fails the suite, so a new route is covered when it is added.
 *
 * Every answer must be a 4xx problem document whose `detail` says what to fix (never a 5xx, never
 * a crash), and a refused request must leave the table exactly as it was. The EC2, S3, Scheduler
 * and SQS endpoints point at a closed port: no hostile request may get as far as calling them.
 */

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../shared/config/env-names.ts';
import { SCHEDULER_ENV } from '../../shared/config/scheduler-env.ts';
import { WEBHOOK_ENV } from '../../shared/config/webhook-env.ts';
import type { ApiEvent } from '../../shared/http/handler.ts';
import { MAX_BODY_BYTES } from '../../shared/http/handler.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';
import type { RouteDef } from '../../shared/http/routes.ts';
import { ROUTES } from '../../shared/http/routes.ts';
import { apiEvent, lambdaContext } from '../support/api-events.ts';
import { admin } from '../support/principals.ts';
import type { TestTable } from './support.ts';
import { createTestTable } from './support.ts';

type Handler = (event: ApiEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A port nothing listens on: a request that reaches EC2, S3, Scheduler or SQS fails loudly. */
const CLOSED = 'http://127.0.0.1:9';
const SERVER_ID = 'srv_01jabcdefghjkmnpqrstvwxyz0';
const ACME = admin('acme');

/**
 * For each route with a JSON body: a body the route's schema accepts, with as many string, number
 * and boolean fields as it has, so that each field can be made hostile on its own.
 */
const VALID_BODIES: Readonly<Record<string, Json>> = {
  'servers-create': {
    name: 'Friday Night Convoy',
    game: 'ets2',
    branch: 'public',
    instanceType: 't3.medium',
    idle: { autoStop: true, afterMinutes: 30, startGraceMinutes: 15 },
    config: {
      lobbyName: 'Friday',
      description: 'Rotterdam to Kassel',
      welcomeMessage: 'Welcome',
      password: 's3cret',
      logonToken: '0123456789abcdef0123456789ABCDEF',
      maxPlayers: 8,
      playerDamage: true,
      moderators: ['76561198000000001'],
    },
  },
  'servers-patch': {
    name: 'Renamed',
    branch: 'temporary_1_53',
    idle: { afterMinutes: 45 },
    config: { welcomeMessage: 'Convoy leaves at 20:00', password: 'other', maxPlayers: 6 },
  },
  'servers-keepalive': { minutes: 60 },
  'budget-put': { monthlyUsd: 25 },
  'schedules-create': {
    name: 'Friday night',
    cron: '30 19 * * FRI',
    timeZone: 'Europe/Berlin',
    warmupMinutes: 10,
  },
  'packages-create': { game: 'ets2', name: 'Friday mods' },
  'keys-create': { name: 'discord-bot', scopes: ['servers:read'], servers: [SERVER_ID] },
  'webhooks-create': { url: 'https://bot.example.com/convoy', events: ['server.ready'], format: 'json' },
  'host-heartbeat': { ready: true, searchId: '85568392925767505/101', players: 2, gameVersion: '1.53.2.0' },
};

/**
 * String fields that take a double quote, a backslash and braces: they never reach an SII file
 * (key and schedule names are labels shown as JSON). Every other string field must refuse them.
 */
const TAKES_SII_METACHARACTERS = new Set(['keys-create name', 'schedules-create name']);

/** Strings no field takes: each is refused with the field's path named. */
const REFUSED_STRINGS: readonly [string, string][] = [
  ['a string of 10,000 characters', 'x'.repeat(10_000)],
  ['a NUL byte', 'a\u0000b'],
  ['a CRLF header injection', 'a\r\nX-Injected: 1'],
  ['a newline that starts a new SII line', 'x\n server_name: "pwned"'],
  ['an escape sequence for terminals', '\u001b[31mred'],
];
/** Strings that could break out of a quoted SII value or a config unit. */
const SII_BREAKOUTS: readonly [string, string][] = [
  ['a quote and a brace that close the SII unit', 'x" }\nserver_config : _nameless.0 {'],
  ['a backslash escape', 'x\\" lobby_name: "pwned'],
];
/** Values of the wrong type for any leaf. */
const WRONG_TYPES: readonly [string, Json][] = [
  ['an object (a NoSQL operator)', { $ne: null }],
  ['an array', ['a']],
];

const HOSTILE_IDS: readonly [string, string][] = [
  ['path traversal', '../../keys/key_x'],
  ['encoded path traversal', '..%2F..%2Fkeys'],
  ['an id of 5,000 characters', `srv_${'a'.repeat(4996)}`],
  ['an id of another kind', 'pkg_01jabcdefghjkmnpqrstvwxyz0'],
  ['a NUL byte', 'srv_\u0000'],
  ['unicode', 'srv_ｓｒｖ😀'],
  ['an empty id', ''],
  ['a DynamoDB key separator', 'SRV#srv_01jabcdefghjkmnpqrstvwxyz0'],
];

const HOSTILE_QUERIES: readonly [string, Record<string, string>][] = [
  ['a limit of 0', { limit: '0' }],
  ['a limit of 1000', { limit: '1000' }],
  ['a negative limit', { limit: '-1' }],
  ['a limit that is not a number', { limit: '1e2' }],
  ['a limit of 1,000 digits', { limit: '9'.repeat(1000) }],
  ['a cursor of garbage', { cursor: 'not-a-cursor' }],
  ['a cursor of 600 characters', { cursor: 'A'.repeat(600) }],
  [
    'a cursor forged for another tenant',
    { cursor: Buffer.from(JSON.stringify({ pk: 'TENANT#other', sk: 'SERVER#x' })).toString('base64url') },
  ],
  ['a month out of range', { month: '2026-13' }],
  ['a month with path traversal', { month: '../../2026-01' }],
  ['a month of 1,000 characters', { month: '2'.repeat(1000) }],
  ['prototype keys', JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>],
];

let table: TestTable;
/** A stopped server of the caller's tenant: field-level cases that a service checks need one to reach it. */
let existingServer: string;
const handlers = new Map<string, Handler>();
const requestBodies = new Map<string, 'json' | 'text'>();

beforeAll(async () => {
  table = await createTestTable();
  Object.assign(process.env, {
    [ENV.tableName]: table.tableName,
    [ENV.dynamodbEndpoint]: (await import('vitest')).inject('dynamodbEndpoint'),
    [ENV.ec2Endpoint]: CLOSED,
    [ENV.s3Endpoint]: CLOSED,
    [ENV.bucketName]: 'packages',
    [ENV.launchTemplateId]: 'lt-0abuse',
    [ENV.hostRoleName]: 'convoy-host',
    [ENV.agentUrl]: 'https://agent.example.com/agent.mjs',
    [ENV.agentSha256]: 'a'.repeat(64),
    [ENV.apiUrl]: 'https://api.example.com',
    [SCHEDULER_ENV.groupName]: 'convoy-abuse',
    [SCHEDULER_ENV.roleArn]: 'arn:aws:iam::000000000000:role/scheduler',
    [SCHEDULER_ENV.targetArn]: 'arn:aws:lambda:us-east-1:000000000000:function:fire',
    [SCHEDULER_ENV.endpoint]: CLOSED,
    [WEBHOOK_ENV.sqsEndpoint]: CLOSED,
  });
  for (const route of ROUTES) {
    const module = (await import(new URL(`../../${route.entry}`, import.meta.url).href)) as {
      handler: Handler;
    };
    handlers.set(route.name, module.handler);
  }
  const document = openApiDocument('test') as unknown as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
  };
  const created = await (handlers.get('servers-create') as Handler)(
    apiEvent({
      method: 'POST',
      body: JSON.stringify({ name: 'Target', game: 'ets2' }),
      headers: { 'content-type': 'application/json' },
      principal: ACME,
    }),
    lambdaContext,
  );
  existingServer = JSON.parse(created.body ?? '{}').id;
  for (const route of ROUTES) {
    const content = document.paths[route.path]?.[route.method.toLowerCase()]?.requestBody?.content ?? {};
    if ('application/json' in content) requestBodies.set(route.name, 'json');
    if ('text/plain' in content) requestBodies.set(route.name, 'text');
  }
});

afterAll(() => table.client.destroy());

/** Every item of the table, in a stable order: what "nothing was written" compares. */
async function snapshot(): Promise<string> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(
      new ScanCommand({ TableName: table.tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return JSON.stringify(items.map((i) => JSON.stringify(i)).sort());
}

interface Attempt {
  /** Path parameters name an existing server where they can (else well-formed ids that name nothing). */
  readonly existing?: boolean;
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly base64?: boolean;
}

interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a problem document is read as loosely as a client would.
  readonly problem: any;
}

const pathParamsOf = (route: RouteDef): string[] =>
  [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');

const PREFIXES: Readonly<Record<string, string>> = {
  servers: 'srv',
  packages: 'pkg',
  keys: 'key',
  webhooks: 'whk',
  schedules: 'sch',
};

/** An id of the right kind for the parameter (by the path segment before it) that names nothing. */
function wellFormedId(route: RouteDef, param: string): string {
  const segments = route.path.split('/');
  const collection = segments[segments.indexOf(`{${param}}`) - 1] ?? '';
  return SERVER_ID.replace('srv', PREFIXES[collection] ?? 'srv');
}

/** Sends one request to a route's handler, checks what every answer must be, and reports it. */
async function send(route: RouteDef, attempt: Attempt): Promise<Answer> {
  const handler = handlers.get(route.name) as Handler;
  const params = Object.fromEntries(
    pathParamsOf(route).map((p) => {
      const id = wellFormedId(route, p);
      return [p, attempt.existing && id.startsWith('srv_') ? existingServer : id];
    }),
  );
  const event = apiEvent({
    method: route.method,
    path: route.path,
    pathParameters: { ...params, ...attempt.params },
    ...(attempt.query ? { queryStringParameters: attempt.query } : {}),
    ...(attempt.body !== undefined ? { body: attempt.body } : {}),
    headers: { 'content-type': 'application/json', ...attempt.headers },
    principal: route.auth === 'apiKey' ? ACME : null,
  });
  if (attempt.base64) (event as { isBase64Encoded: boolean }).isBase64Encoded = true;
  const result = await handler(event, lambdaContext);
  const status = result.statusCode ?? 0;
  const what = `${route.name} answered ${status}: ${result.body?.slice(0, 300)}`;
  expect(status, what).toBeLessThan(500);
  let problem: unknown = null;
  if (status >= 400) {
    expect(result.headers?.['content-type'], what).toBe('application/problem+json');
    problem = JSON.parse(result.body ?? '{}');
    expect(problem, what).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
    const { detail, errors } = problem as { detail: string; errors?: { path: string; message: string }[] };
    // A detail says what to fix in a sentence; it does not echo kilobytes of the request back.
    expect(detail.length, what).toBeGreaterThan(10);
    expect(result.body?.length ?? 0, what).toBeLessThan(2000);
    for (const issue of errors ?? []) expect(issue.message.length, what).toBeGreaterThan(3);
  }
  return { status, problem };
}

/** Runs the requests of one case and checks that they left the table exactly as it was. */
async function leavesTableAlone(requests: () => Promise<void>): Promise<void> {
  const before = await snapshot();
  await requests();
  expect(await snapshot(), 'the table after the requests').toBe(before);
}

/** JSON text of a value, with `RAW_NUMBER` strings written as the bare number (JSON.stringify makes 1e309 null). */
const RAW = 'raw-number:';
const jsonOf = (value: Json): string => JSON.stringify(value).replace(/"raw-number:([^"]+)"/g, '$1');

/** Every leaf of a JSON value with its dotted path, as the problem documents name fields. */
function leaves(value: Json, path: string[] = []): { path: string[]; value: Json }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [{ path, value }];
}

function nodeAt(body: Json, path: string[]): Json {
  let node = body;
  for (const key of path) node = (node as Record<string, Json>)[key] as Json;
  return node;
}

/** A copy with the value at `path` replaced or added (as an own property, `__proto__` too). */
function withLeaf(body: Json, path: string[], replacement: Json): Json {
  const copy = structuredClone(body);
  const parent = nodeAt(copy, path.slice(0, -1)) as Record<string, Json>;
  Object.defineProperty(parent, path.at(-1) as string, {
    value: replacement,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** The problem names the field (or the list or object holding it). */
function namesField(problem: { errors?: { path: string }[] }, path: string[]): boolean {
  const dotted = path.join('.');
  return (problem.errors ?? []).some(
    (e) =>
      e.path !== '' &&
      (dotted === e.path || dotted.startsWith(`${e.path}.`) || e.path.startsWith(`${dotted}.`)),
  );
}

describe.each(ROUTES.map((route) => ({ route, name: route.name })))('$name', ({ route }) => {
  const body = () => requestBodies.get(route.name);

  it('refuses a body over 1 MiB with 413 before reading it', async () => {
    await leavesTableAlone(async () => {
      const answer = await send(route, { body: `{"name":"${'x'.repeat(MAX_BODY_BYTES)}"}` });
      expect(answer.status).toBe(413);
      expect(answer.problem.detail).toMatch(/limit is 1048576/);
    });
  });

  it('refuses malformed, empty, mistyped and deeply nested bodies with a 4xx that says why', async () => {
    const cases: [string, Attempt, number][] = [
      ['malformed JSON', { body: '{"name":' }, 400],
      ['an empty body', { body: '' }, 400],
      ['a JSON array', { body: '[{"name":"x"}]' }, 400],
      ['JSON null', { body: 'null' }, 400],
      ['a JSON number', { body: '42' }, 400],
      ['a JSON string', { body: '"name"' }, 400],
      ['nesting 100,000 deep', { body: `${'['.repeat(100_000)}${']'.repeat(100_000)}` }, 400],
      ['a body that is not base64', { body: '%%%', base64: true }, 400],
      [
        'form encoding',
        { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        415,
      ],
      ['no content type', { body: '{}', headers: { 'content-type': '' } }, 415],
    ];
    await leavesTableAlone(async () => {
      for (const [label, attempt, expected] of cases) {
        const answer = await send(route, attempt);
        // Routes without a body ignore one; they still answer without a 5xx and write nothing.
        if (body() === 'json') expect(answer.status, label).toBe(expected);
        if (body() === 'text' && expected === 415) expect(answer.status, label).toBe(415);
      }
    });
  });

  it('answers hostile path parameters with a 4xx and writes nothing', async () => {
    await leavesTableAlone(async () => {
      for (const param of pathParamsOf(route)) {
        for (const [label, value] of HOSTILE_IDS) {
          const answer = await send(route, {
            params: { [param]: value },
            ...(body() === 'json' ? { body: JSON.stringify(VALID_BODIES[route.name]) } : {}),
            ...(body() === 'text'
              ? { body: 'SiiNunit\n{\n}\n', headers: { 'content-type': 'text/plain' } }
              : {}),
          });
          expect(answer.status, `${param} as ${label}`).toBeGreaterThanOrEqual(400);
        }
      }
    });
  });

  it('answers hostile query strings without a 5xx, and writes nothing', async () => {
    await leavesTableAlone(async () => {
      for (const [label, query] of HOSTILE_QUERIES) {
        const answer = await send(route, { query });
        // A route that reads the query names the parameter it refuses.
        if (!body() && answer.status === 400) {
          const paths = (answer.problem.errors ?? []).map((e: { path: string }) => e.path);
          expect(
            paths.some((p: string) => p in query),
            `${label}: ${answer.problem.detail}`,
          ).toBe(true);
        }
      }
    });
  });

  it('has a valid body to start field-level cases from, if it takes JSON', () => {
    if (body() === 'json') expect(VALID_BODIES, route.name).toHaveProperty([route.name]);
    else expect(VALID_BODIES).not.toHaveProperty([route.name]);
  });

  it('refuses unknown fields and prototype keys in the body and in every object in it, naming them', async () => {
    const valid = VALID_BODIES[route.name];
    if (body() !== 'json' || valid === undefined) return;
    const objects = [[], ...leaves(valid).map((l) => l.path.slice(0, -1))].filter(
      (p, i, all) =>
        all.findIndex((q) => q.join('.') === p.join('.')) === i && !Array.isArray(nodeAt(valid, p)),
    );
    await leavesTableAlone(async () => {
      for (const path of objects) {
        for (const key of ['isAdmin', '__proto__', 'constructor']) {
          const answer = await send(route, {
            existing: true,
            body: JSON.stringify(withLeaf(valid, [...path, key], true)),
          });
          expect(answer.status, `${key} in ${path.join('.') || 'the body'}`).toBe(400);
          expect(namesField(answer.problem, [...path, key]), `${key} named`).toBe(true);
        }
      }
    });
  });

  it('refuses hostile strings and wrong types in each field with 400 naming the field', async () => {
    const valid = VALID_BODIES[route.name];
    if (body() !== 'json' || valid === undefined) return;
    await leavesTableAlone(async () => {
      for (const leaf of leaves(valid)) {
        const field = leaf.path.join('.');
        const must: [string, Json][] = [...REFUSED_STRINGS, ...WRONG_TYPES];
        if (typeof leaf.value !== 'string') must.push(['a string', 'true']);
        else if (!TAKES_SII_METACHARACTERS.has(`${route.name} ${field}`)) must.push(...SII_BREAKOUTS);
        if (typeof leaf.value === 'number') {
          must.push(
            ['a number beyond a double', `${RAW}1e309`],
            ['a 30-digit number', `${RAW}1${'0'.repeat(29)}`],
          );
        }
        for (const [label, value] of must) {
          const answer = await send(route, {
            existing: true,
            body: jsonOf(withLeaf(valid, leaf.path, value)),
          });
          expect(answer.status, `${field} as ${label}`).toBe(400);
          expect(
            namesField(answer.problem, leaf.path),
            `${field} as ${label}: ${answer.problem.detail}`,
          ).toBe(true);
        }
      }
    });
  });
});

it('takes quotes and backslashes only in label fields that no config file holds', async () => {
  for (const route of ROUTES) {
    const valid = VALID_BODIES[route.name];
    if (valid === undefined) continue;
    for (const field of leavesOfRoute(route.name)) {
      if (!TAKES_SII_METACHARACTERS.has(`${route.name} ${field}`)) continue;
      const [, breakout] = SII_BREAKOUTS[1] as [string, string];
      // Keys are made (labels are the point); schedules go to a server that does not exist.
      const answer = await send(route, { body: JSON.stringify(withLeaf(valid, field.split('.'), breakout)) });
      expect(answer.status === 400 && namesField(answer.problem, field.split('.')), field).toBe(false);
    }
  }
});

function leavesOfRoute(name: string): string[] {
  const valid = VALID_BODIES[name];
  return valid === undefined ? [] : leaves(valid).map((l) => l.path.join('.'));
}
