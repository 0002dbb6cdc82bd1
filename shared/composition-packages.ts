/**
 * The composition root of the package functions. Apart from `composition.ts` so that only the
 * functions that touch package files bundle the S3 client and presigner (~100 KB); the read
 * routes build only the table side.
 */
import { createS3Access, tableClientFor } from './adapters/aws-clients.ts';
import { createPackageRepository } from './adapters/dynamodb/package-repository.ts';
import { createPackageStorage } from './adapters/s3/package-storage.ts';
import { loadConfig } from './config/env.ts';
import { ENV } from './config/env-names.ts';
import { createPackageService, type PackageService } from './services/packages.ts';
import { systemClock } from './services/ports.ts';

let cached: PackageService | undefined;

/** The process's package service, from `process.env`; built at the first call (a cold start). */
export function packageService(): PackageService {
  if (cached) return cached;
  const config = loadConfig();
  if (!config.bucketName) throw new Error(`Invalid environment: ${ENV.bucketName} is required here`);
  const client = tableClientFor(config);
  const s3 = createS3Access({ region: config.region, endpoints: { s3: config.s3Endpoint } });
  cached = createPackageService({
    packages: createPackageRepository({ client, tableName: config.tableName, clock: systemClock }),
    storage: createPackageStorage(s3, config.bucketName),
    clock: systemClock,
  });
  return cached;
}
