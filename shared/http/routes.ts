/**
 * The one route table. The CDK API construct makes a Lambda function and an API Gateway route
 * of each entry; the local runtime serves the same entries over loopback HTTP. Neither keeps a
 * list of its own, so the two cannot drift.
 */
import type { Scope } from '../domain/api-key.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a function may do to the table; the CDK grants exactly this. */
export type TableAccess = 'none' | 'read' | 'readWrite';

/**
 * What a function may do to game hosts; the CDK grants exactly this, on this deployment's
 * tagged instances only (`launch`: RunInstances from the launch template, with the tags).
 */
export type HostAccess = 'launch' | 'start' | 'stop' | 'terminate' | 'describe';

/**
 * What a function may do to the package bucket; the CDK grants exactly this. `read` covers
 * presigning downloads, `readWrite` presigning uploads, copying and deleting package files.
 */
export type BucketAccess = 'none' | 'read' | 'readWrite';

export interface RouteDef {
  /** Stable name: the function's construct id in CDK and its label in logs and benchmarks. */
  readonly name: string;
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/v1/servers/{id}`. */
  readonly path: string;
  /** The Lambda entry point, relative to the repository root. */
  readonly entry: string;
  /**
   * `apiKey`: behind the API-key authorizer; `iam`: signed with SigV4 by a game host's instance
   * role (API Gateway's IAM authorization; only the host role may invoke them); `none`: public.
   */
  readonly auth: 'apiKey' | 'iam' | 'none';
  /** The scope the caller's key must hold (checked by the handler, after the authorizer). */
  readonly scope?: Scope;
  readonly table: TableAccess;
  /** @default 'none' - no bucket, no bucket permissions */
  readonly bucket?: BucketAccess;
  /** @default [] - no EC2 permissions */
  readonly hosts?: readonly HostAccess[];
  /**
   * `manage`: create and delete EventBridge Scheduler schedules in the deployment's group (and
   * pass Scheduler its role); the CDK grants exactly this.
   * @default - no Scheduler permissions
   */
  readonly schedules?: 'manage';
}

export const ROUTES: readonly RouteDef[] = [
  {
    name: 'meta-health',
    method: 'GET',
    path: '/v1/health',
    entry: 'functions/meta/health.ts',
    auth: 'none',
    table: 'none',
  },
  {
    name: 'meta-openapi',
    method: 'GET',
    path: '/v1/openapi.json',
    entry: 'functions/meta/openapi.ts',
    auth: 'none',
    table: 'none',
  },
  {
    name: 'servers-create',
    method: 'POST',
    path: '/v1/servers',
    entry: 'functions/servers/create.ts',
    auth: 'apiKey',
    scope: 'servers:write',
    table: 'readWrite',
  },
  {
    name: 'servers-list',
    method: 'GET',
    path: '/v1/servers',
    entry: 'functions/servers/list.ts',
    auth: 'apiKey',
    scope: 'servers:read',
    table: 'read',
  },
  {
    name: 'servers-get',
    method: 'GET',
    path: '/v1/servers/{id}',
    entry: 'functions/servers/get.ts',
    auth: 'apiKey',
    scope: 'servers:read',
    table: 'read',
  },
  {
    name: 'servers-patch',
    method: 'PATCH',
    path: '/v1/servers/{id}',
    entry: 'functions/servers/patch.ts',
    auth: 'apiKey',
    scope: 'servers:write',
    table: 'readWrite',
  },
  {
    name: 'servers-delete',
    method: 'DELETE',
    path: '/v1/servers/{id}',
    entry: 'functions/servers/delete.ts',
    auth: 'apiKey',
    scope: 'servers:write',
    table: 'readWrite',
    hosts: ['terminate'],
  },
  {
    name: 'servers-start',
    method: 'POST',
    path: '/v1/servers/{id}/start',
    entry: 'functions/servers/start.ts',
    auth: 'apiKey',
    scope: 'servers:power',
    table: 'readWrite',
    // Stop and terminate: a stop or delete that lands while the launch is under way applies to
    // the new host. Describe: a state change that came before the launch was recorded.
    hosts: ['launch', 'start', 'stop', 'terminate', 'describe'],
  },
  {
    name: 'servers-stop',
    method: 'POST',
    path: '/v1/servers/{id}/stop',
    entry: 'functions/servers/stop.ts',
    auth: 'apiKey',
    scope: 'servers:power',
    table: 'readWrite',
    hosts: ['stop'],
  },
  {
    name: 'servers-keepalive',
    method: 'POST',
    path: '/v1/servers/{id}/keepalive',
    entry: 'functions/servers/keepalive.ts',
    auth: 'apiKey',
    scope: 'servers:power',
    table: 'readWrite',
  },
  {
    name: 'servers-config',
    method: 'GET',
    path: '/v1/servers/{id}/config.sii',
    entry: 'functions/servers/config.ts',
    auth: 'apiKey',
    scope: 'servers:read',
    table: 'read',
  },
  {
    name: 'servers-events',
    method: 'GET',
    path: '/v1/servers/{id}/events',
    entry: 'functions/servers/events.ts',
    auth: 'apiKey',
    scope: 'servers:read',
    table: 'read',
  },
  {
    name: 'usage-server',
    method: 'GET',
    path: '/v1/servers/{id}/usage',
    entry: 'functions/usage/server.ts',
    auth: 'apiKey',
    scope: 'servers:read',
    table: 'read',
  },
  {
    name: 'usage-tenant',
    method: 'GET',
    path: '/v1/usage',
    entry: 'functions/usage/tenant.ts',
    auth: 'apiKey',
    scope: 'servers:read',
    table: 'read',
  },
  {
    name: 'budget-put',
    method: 'PUT',
    path: '/v1/budget',
    entry: 'functions/usage/budget.ts',
    auth: 'apiKey',
    scope: 'keys:admin',
    table: 'readWrite',
  },
  {
    name: 'schedules-create',
    method: 'POST',
    path: '/v1/servers/{id}/schedules',
    entry: 'functions/schedules/create.ts',
    auth: 'apiKey',
    scope: 'servers:power',
    table: 'readWrite',
    schedules: 'manage',
  },
  {
    name: 'schedules-list',
    method: 'GET',
    path: '/v1/servers/{id}/schedules',
    entry: 'functions/schedules/list.ts',
    auth: 'apiKey',
    scope: 'servers:read',
    table: 'read',
  },
  {
    name: 'schedules-delete-all',
    method: 'DELETE',
    path: '/v1/servers/{id}/schedules',
    entry: 'functions/schedules/delete-all.ts',
    auth: 'apiKey',
    scope: 'servers:power',
    table: 'readWrite',
    schedules: 'manage',
  },
  {
    name: 'schedules-delete',
    method: 'DELETE',
    path: '/v1/servers/{id}/schedules/{scheduleId}',
    entry: 'functions/schedules/delete.ts',
    auth: 'apiKey',
    scope: 'servers:power',
    table: 'readWrite',
    schedules: 'manage',
  },
  {
    name: 'packages-create',
    method: 'POST',
    path: '/v1/packages',
    entry: 'functions/packages/create.ts',
    auth: 'apiKey',
    scope: 'packages:write',
    table: 'readWrite',
    bucket: 'readWrite',
  },
  {
    name: 'packages-list',
    method: 'GET',
    path: '/v1/packages',
    entry: 'functions/packages/list.ts',
    auth: 'apiKey',
    scope: 'packages:read',
    table: 'read',
  },
  {
    name: 'packages-get',
    method: 'GET',
    path: '/v1/packages/{id}',
    entry: 'functions/packages/get.ts',
    auth: 'apiKey',
    scope: 'packages:read',
    table: 'read',
  },
  {
    name: 'packages-delete',
    method: 'DELETE',
    path: '/v1/packages/{id}',
    entry: 'functions/packages/delete.ts',
    auth: 'apiKey',
    scope: 'packages:write',
    table: 'readWrite',
    bucket: 'readWrite',
  },
  {
    name: 'packages-finalize',
    method: 'POST',
    path: '/v1/packages/{id}/finalize',
    entry: 'functions/packages/finalize.ts',
    auth: 'apiKey',
    scope: 'packages:write',
    table: 'readWrite',
    bucket: 'readWrite',
  },
  {
    name: 'packages-check',
    method: 'POST',
    path: '/v1/packages/{id}/check',
    entry: 'functions/packages/check.ts',
    auth: 'apiKey',
    scope: 'packages:read',
    table: 'read',
  },
  {
    name: 'keys-create',
    method: 'POST',
    path: '/v1/keys',
    entry: 'functions/keys/create.ts',
    auth: 'apiKey',
    scope: 'keys:admin',
    table: 'readWrite',
  },
  {
    name: 'keys-list',
    method: 'GET',
    path: '/v1/keys',
    entry: 'functions/keys/list.ts',
    auth: 'apiKey',
    scope: 'keys:admin',
    table: 'read',
  },
  {
    name: 'keys-delete',
    method: 'DELETE',
    path: '/v1/keys/{id}',
    entry: 'functions/keys/delete.ts',
    auth: 'apiKey',
    scope: 'keys:admin',
    table: 'readWrite',
  },
  {
    name: 'webhooks-create',
    method: 'POST',
    path: '/v1/webhooks',
    entry: 'functions/webhooks/create.ts',
    auth: 'apiKey',
    // keys:admin: a webhook hears of every server of the tenant and holds a signing secret.
    scope: 'keys:admin',
    table: 'readWrite',
  },
  {
    name: 'webhooks-list',
    method: 'GET',
    path: '/v1/webhooks',
    entry: 'functions/webhooks/list.ts',
    auth: 'apiKey',
    scope: 'keys:admin',
    table: 'read',
  },
  {
    name: 'webhooks-get',
    method: 'GET',
    path: '/v1/webhooks/{id}',
    entry: 'functions/webhooks/get.ts',
    auth: 'apiKey',
    scope: 'keys:admin',
    table: 'read',
  },
  {
    name: 'webhooks-delete',
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    entry: 'functions/webhooks/delete.ts',
    auth: 'apiKey',
    scope: 'keys:admin',
    table: 'readWrite',
  },
  {
    name: 'host-bundle',
    method: 'GET',
    path: '/v1/host/bundle',
    entry: 'functions/host/bundle.ts',
    auth: 'iam',
    table: 'read',
    bucket: 'read',
  },
  {
    name: 'host-heartbeat',
    method: 'POST',
    path: '/v1/host/heartbeat',
    entry: 'functions/host/heartbeat.ts',
    auth: 'iam',
    table: 'readWrite',
  },
];

/** The API-key authorizer: not a route, but built and granted like one (it reads key hashes). */
export const AUTHORIZER = { name: 'authorizer', entry: 'functions/authorizer.ts', table: 'read' } as const;

/** How long API Gateway caches an authorizer answer; a deleted key works at most this long. */
export const AUTHORIZER_CACHE_SECONDS = 30;

export const routeKey = (route: Pick<RouteDef, 'method' | 'path'>): string => `${route.method} ${route.path}`;
