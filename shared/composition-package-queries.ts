/** The composition root of the package read routes: the table only, no S3 client in the bundle. */
import { tableClientFor } from './adapters/aws-clients.ts';
import { createPackageRepository } from './adapters/dynamodb/package-repository.ts';
import { loadConfig } from './config/env.ts';
import { createPackageQueries, type PackageQueries } from './services/package-queries.ts';
import { systemClock } from './services/ports.ts';

let cached: PackageQueries | undefined;

export function packageQueries(): PackageQueries {
  if (cached) return cached;
  const config = loadConfig();
  const client = tableClientFor(config);
  cached = createPackageQueries({
    packages: createPackageRepository({ client, tableName: config.tableName, clock: systemClock }),
  });
  return cached;
}
