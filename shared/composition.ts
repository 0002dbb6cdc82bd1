/**
 * The composition root shared by the Lambda entry points and the local runtime: configuration
 * from the environment, SDK clients and adapters, built once per process on first use.
 */
import type { Context } from 'aws-lambda';
import { tableClientFor } from './adapters/aws-clients.ts';
import { createKeyRepository } from './adapters/dynamodb/key-repository.ts';
import { createPackageCatalog } from './adapters/dynamodb/package-catalog.ts';
import { createServerRepository } from './adapters/dynamodb/server-repository.ts';
import type { RuntimeConfig } from './config/env.ts';
import { loadConfig } from './config/env.ts';
import type { KeepaliveService } from './services/keepalive.ts';
import { createKeepaliveService } from './services/keepalive.ts';
import type { KeyService } from './services/keys.ts';
import { createKeyService } from './services/keys.ts';
import { systemClock } from './services/ports.ts';
import type { ServerService } from './services/servers.ts';
import { createServerService } from './services/servers.ts';

export interface Services {
  readonly config: RuntimeConfig;
  readonly servers: ServerService;
  readonly keys: KeyService;
  readonly keepalive: KeepaliveService;
}

export function buildServices(config: RuntimeConfig): Services {
  const client = tableClientFor(config);
  const { tableName } = config;
  const clock = systemClock;
  const repository = createServerRepository({ client, tableName, clock });
  return {
    config,
    servers: createServerService({
      servers: repository,
      packages: createPackageCatalog(client, tableName),
      clock,
      instanceTypes: config.instanceTypes,
    }),
    keys: createKeyService({ keys: createKeyRepository({ client, tableName }), clock }),
    keepalive: createKeepaliveService({ servers: repository, clock }),
  };
}

let cached: Services | undefined;

/** The process's services, from `process.env`; built at the first call (a cold start). */
export function services(): Services {
  cached ??= buildServices(loadConfig());
  return cached;
}

/**
 * A Lambda entry point's `handler`: built at its first invocation (once per cold start), so
 * that importing the module (tests, the OpenAPI build) needs no environment.
 */
export function lazyHandler<E, R>(build: () => (event: E, context: Context) => Promise<R>) {
  let built: ((event: E, context: Context) => Promise<R>) | undefined;
  return (event: E, context: Context): Promise<R> => {
    built ??= build();
    return built(event, context);
  };
}
