/**
 * The composition root of the functions that touch game hosts (start, stop, delete, the EC2
 * sync and the reconciler). Kept apart from `composition.ts` so that the other functions'
 * bundles never carry the EC2 client.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { renderBootstrap } from '../host/bootstrap/render.ts';
import { createEc2Client, tableClientFor } from './adapters/aws-clients.ts';
import { createPackageCatalog } from './adapters/dynamodb/package-catalog.ts';
import { createPackageRepository } from './adapters/dynamodb/package-repository.ts';
import { createServerIndex } from './adapters/dynamodb/server-index.ts';
import { createServerRepository } from './adapters/dynamodb/server-repository.ts';
import { createBudgetReader } from './adapters/dynamodb/usage-summary.ts';
import { createEc2HostProvider } from './adapters/ec2/host-provider.ts';
import type { RuntimeConfig } from './config/env.ts';
import { loadConfig } from './config/env.ts';
import { ENV } from './config/env-names.ts';
import type { ServerRecord } from './domain/server.ts';
import { logger } from './http/logger.ts';
import type { LifecycleService } from './services/lifecycle.ts';
import { createLifecycleService } from './services/lifecycle.ts';
import { createPackageResolver } from './services/package-resolver.ts';
import type { ServerRepository } from './services/ports.ts';
import { systemClock } from './services/ports.ts';
import type { ServerService } from './services/servers.ts';
import { createServerService } from './services/servers.ts';

export interface HostServices {
  readonly config: RuntimeConfig;
  readonly lifecycle: LifecycleService;
  /** The server service whose delete terminates the host. */
  readonly servers: ServerService;
}

/**
 * The lifecycle on the deployment's table and EC2: the power routes', the EC2 sync's and the
 * scheduled starts', and the idle reaper's (`launches: false`: it is granted only StopInstances).
 * A lifecycle that may launch renders each new host's bootstrap; outside local mode, one built
 * without the bootstrap settings fails at cold start rather than launch bare instances.
 */
export function buildLifecycle(
  config: RuntimeConfig,
  client: DynamoDBDocumentClient,
  servers: ServerRepository,
  { launches = true }: { readonly launches?: boolean } = {},
): LifecycleService {
  const { tableName } = config;
  const bootstrap = config.hostBootstrap;
  if (launches && !bootstrap && !config.local) {
    throw new Error(
      `Invalid environment: ${ENV.agentUrl}, ${ENV.agentSha256} and ${ENV.apiUrl} are required where hosts are launched`,
    );
  }
  return createLifecycleService({
    servers,
    index: createServerIndex({ client, tableName, servers }),
    hosts: createEc2HostProvider({
      client: createEc2Client({ region: config.region, endpoints: { ec2: config.ec2Endpoint } }),
      launchTemplateId: config.launchTemplateId,
      deployment: config.deployment,
    }),
    packages: {
      resolvePackageFor: createPackageResolver({
        packages: createPackageRepository({ client, tableName, clock: systemClock }),
      }),
    },
    ...(launches &&
      bootstrap && {
        userDataFor: (server: ServerRecord) =>
          renderBootstrap({ game: server.game, branch: server.branch, ...bootstrap }),
      }),
    budgetOf: createBudgetReader(client, tableName, systemClock),
    clock: systemClock,
    instanceTypes: config.instanceTypes,
    transitionTimeoutMs: config.hostTimeoutSeconds * 1000,
    onError: (message, error, detail) => logger.warn(message, { ...detail, error: error as Error }),
  });
}

export function buildHostServices(config: RuntimeConfig): HostServices {
  const client = tableClientFor(config);
  const { tableName } = config;
  const clock = systemClock;
  const repository = createServerRepository({ client, tableName, clock });
  const lifecycle = buildLifecycle(config, client, repository);
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
