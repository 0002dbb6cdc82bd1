import { lazyHandler } from '../../shared/composition.ts';
import { packageQueries } from '../../shared/composition-package-queries.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { pageOf } from '../../shared/http/pagination.ts';
import type { PackageQueries } from '../../shared/services/package-queries.ts';

export const createHandler = (packages: Pick<PackageQueries, 'list'>) =>
  httpHandler('packages-list', {}, async ({ principal, query }) => ({
    status: 200,
    json: await packages.list(principal, pageOf(query)),
  }));

export const handler = lazyHandler(() => createHandler(packageQueries()));
