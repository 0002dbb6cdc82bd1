/**
 * The composition root of the game-host routes (`/v1/host/...`). Apart from the others so that
 * the heartbeat carries no S3 signer and neither carries the EC2 client: a heartbeat's failure
 * report is a state change with no host effect.
 */
import { createS3Access, tableClientFor } from './adapters/aws-clients.ts';
import { createPackageRepository } from './adapters/dynamodb/package-repository.ts';
import { createServerIndex } from './adapters/dynamodb/server-index.ts';
import { createServerRepository } from './adapters/dynamodb/server-repository.ts';
import { createPackageStorage } from './adapters/s3/package-storage.ts';
import { loadConfig } from './config/env.ts';
import { ENV } from './config/env-names.ts';
import type { HostBundles, HostReports } from './services/hosts.ts';
import { createHostBundles, createHostReports } from './services/hosts.ts';
import { createPackageResolver } from './services/package-resolver.ts';
import { systemClock } from './services/ports.ts';

function tableSide() {
  const config = loadConfig();
  const client = tableClientFor(config);
  const servers = createServerRepository({ client, tableName: config.tableName, clock: systemClock });
  const index = createServerIndex({ client, tableName: config.tableName, servers });
  return { config, client, servers, index };
}

/** The bundle route's service, from `process.env`; built at its first call (a cold start). */
export function hostBundles(): HostBundles {
  const { config, client, index } = tableSide();
  if (!config.bucketName) throw new Error(`Invalid environment: ${ENV.bucketName} is required here`);
  const s3 = createS3Access({ region: config.region, endpoints: { s3: config.s3Endpoint } });
  return createHostBundles({
    index,
    hostRoleName: config.hostRoleName,
    packages: {
      resolvePackageFor: createPackageResolver({
        packages: createPackageRepository({ client, tableName: config.tableName, clock: systemClock }),
      }),
    },
    storage: createPackageStorage(s3, config.bucketName),
    clock: systemClock,
  });
}

/** The heartbeat route's service, from `process.env`; built at its first call (a cold start). */
export function hostReports(): HostReports {
  const { config, servers, index } = tableSide();
  return createHostReports({ index, servers, hostRoleName: config.hostRoleName, clock: systemClock });
}
