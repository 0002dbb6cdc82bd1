/**
 * The OpenAPI 3.1 document, generated from the route table and the domain's zod schemas, so
 * the contract served at `/v1/openapi.json` is the one the handlers validate against.
 */
import { CreateKeyRequestSchema, SCOPES } from '../domain/api-key.ts';
import { CreateServerRequestSchema, PatchServerRequestSchema } from '../domain/server.ts';
import { ServerViewSchema } from '../domain/server-view.ts';
import * as z from '../domain/zod.ts';
import type { RouteDef } from './routes.ts';
import { ROUTES } from './routes.ts';

interface RouteDoc {
  readonly summary: string;
  readonly body?: z.ZodMiniType;
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
  'servers-config': {
    summary: 'The server_config.sii of the next start, secrets redacted',
    responses: { 200: { description: 'SII text', text: true } },
  },
  'servers-events': {
    summary: "A server's events, newest first",
    responses: { 200: { description: 'A page', schema: list(EventSchema) } },
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
};

const jsonSchema = (schema: z.ZodMiniType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

const PROBLEM = { $ref: '#/components/schemas/Problem' };

function operation(route: RouteDef) {
  const doc = DOCS[route.name];
  if (!doc) throw new Error(`route ${route.name} has no OpenAPI entry`);
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
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
    ...(route.auth === 'apiKey' ? { security: [{ apiKey: [] }] } : { security: [] }),
    ...(params.length ? { parameters: params } : {}),
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
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (cvk_...)' } },
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
