import { lazyHandler } from '../../shared/composition.ts';
import { packageQueries } from '../../shared/composition-package-queries.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { PackageQueries } from '../../shared/services/package-queries.ts';

export const createHandler = (packages: Pick<PackageQueries, 'get'>) =>
  httpHandler('packages-get', {}, async ({ principal, params }) => ({
    status: 200,
    json: await packages.get(principal, params.id ?? ''),
  }));

export const handler = lazyHandler(() => createHandler(packageQueries()));
