/**
 * Which package a server starts with. Apart from `package-queries.ts` so that the functions that
 * start servers (and the host bundle route) do not carry the SII parser the queries need.
 */
import { ConflictError } from '../domain/errors.ts';
import type { PackageFile, PackageRecord } from '../domain/package.ts';
import { NO_PACKAGE_DETAIL, objectKeys } from '../domain/package.ts';
import type { ServerRecord } from '../domain/server.ts';
import type { PackageRepository } from './ports.ts';

/** The package a server starts with, and the object keys its host downloads. */
export interface ResolvedPackage {
  readonly package: PackageRecord;
  /** True when it is the deployment's default for the game, not the server's own. */
  readonly isDefault: boolean;
  readonly objects: Readonly<Record<PackageFile, string>>;
}

export type PackageResolver = (
  server: Pick<ServerRecord, 'tenantId' | 'game' | 'packageId'>,
) => Promise<ResolvedPackage>;

/**
 * The package a server starts with: its own, else the deployment's default for its game.
 * Throws 409 saying how to export and upload one when there is neither (or it is not ready).
 * The start flow calls this before launching, and presigns downloads of `objects` for the host.
 */
export function createPackageResolver({
  packages,
}: {
  readonly packages: Pick<PackageRepository, 'get' | 'defaultFor'>;
}): PackageResolver {
  return async (server) => {
    const ref = server.packageId
      ? { tenantId: server.tenantId, packageId: server.packageId }
      : await packages.defaultFor(server.game);
    const pkg = ref ? await packages.get(ref.tenantId, ref.packageId) : null;
    if (pkg?.state !== 'ready' || pkg.game !== server.game) throw new ConflictError(NO_PACKAGE_DETAIL);
    return {
      package: pkg,
      isDefault: !server.packageId,
      objects: {
        sii: objectKeys.stored(pkg.tenantId, pkg.id, 'sii'),
        dat: objectKeys.stored(pkg.tenantId, pkg.id, 'dat'),
      },
    };
  };
}
