/**
 * The composition root of the functions that touch game hosts (start, stop, delete, the EC2
 * sync and the reconciler). Kept apart from `composition.ts` so that the other functions'
 * bundles never carry the EC2 client.
 */

import { createDocumentClient, createEc2Client } from './adapters/aws-clients.ts';
import { createPackageCatalog } from './adapters/dynamodb/package-catalog.ts';
import { createServerIndex } from './adapters/dynamodb/server-index.ts';
import { createServerRepository } from './adapters/dynamodb/server-repository.ts';
import { createEc2HostProvider } from './adapters/ec2/host-provider.ts';
import type { RuntimeConfig } from './config/env.ts';
import { loadConfig } from './config/env.ts';
import { logger } from './http/logger.ts';
import type { LifecycleService } from './services/lifecycle.ts';
import { createLifecycleService } from './services/lifecycle.ts';
import { systemClock } from './services/ports.ts';
import type { ServerService } from './services/servers.ts';
import { createServerService } from './services/servers.ts';

export interface HostServices {
  readonly config: RuntimeConfig;
  readonly lifecycle: LifecycleService;
  /** The server service whose delete terminates the host. */
  readonly servers: ServerService;
}

export function buildHostServices(config: RuntimeConfig): HostServices {
  const endpoints = { dynamodb: config.dynamodbEndpoint, ec2: config.ec2Endpoint };
  const client = createDocumentClient({ region: config.region, endpoints });
  const { tableName } = config;
  const clock = systemClock;
  const repository = createServerRepository({ client, tableName, clock });
  const lifecycle = createLifecycleService({
    servers: repository,
    index: createServerIndex({ client, tableName, servers: repository }),
    hosts: createEc2HostProvider({
      client: createEc2Client({ region: config.region, endpoints }),
      launchTemplateId: config.launchTemplateId,
      deployment: config.deployment,
    }),
    clock,
    instanceTypes: config.instanceTypes,
    transitionTimeoutMs: config.hostTimeoutSeconds * 1000,
    onError: (message, error, detail) => logger.warn(message, { ...detail, error: error as Error }),
  });
  return {
    config,
    lifecycle,
    servers: createServerService({
      servers: repository,
      packages: createPackageCatalog(client, tableName),
      clock,
      instanceTypes: config.instanceTypes,
      onDeleting: (server, actor) => lifecycle.terminateHost(server, actor),
    }),
  };
}

let cached: HostServices | undefined;

/** The process's host services, from `process.env`; built at the first call (a cold start). */
export function hostServices(): HostServices {
  cached ??= buildHostServices(loadConfig());
  return cached;
}
