/**
 * The composition root shared by the Lambda entry points and the local runtime: configuration
 * from the environment, SDK clients and adapters, built once per process on first use.
 */
import { createDocumentClient } from './adapters/aws-clients.ts';
import { createKeyRepository } from './adapters/dynamodb/key-repository.ts';
import { createPackageCatalog } from './adapters/dynamodb/package-catalog.ts';
import { createServerRepository } from './adapters/dynamodb/server-repository.ts';
import type { RuntimeConfig } from './config/env.ts';
import { loadConfig } from './config/env.ts';
import type { KeyService } from './services/keys.ts';
import { createKeyService } from './services/keys.ts';
import { systemClock } from './services/ports.ts';
import type { ServerService } from './services/servers.ts';
import { createServerService } from './services/servers.ts';

export interface Services {
  readonly config: RuntimeConfig;
  readonly servers: ServerService;
  readonly keys: KeyService;
}

export function buildServices(config: RuntimeConfig): Services {
  const client = createDocumentClient({ region: config.region, endpoints: { dynamodb: config.dynamodbEndpoint } });
  const { tableName } = config;
  const clock = systemClock;
  return {
    config,
    servers: createServerService({
      servers: createServerRepository({ client, tableName, clock }),
      packages: createPackageCatalog(client, tableName),
      clock,
      instanceTypes: config.instanceTypes,
    }),
    keys: createKeyService({ keys: createKeyRepository({ client, tableName }), clock }),
  };
}

let cached: Services | undefined;

/** The process's services, from `process.env`; built at the first call (a cold start). */
export function services(): Services {
  cached ??= buildServices(loadConfig());
  return cached;
}
