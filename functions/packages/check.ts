import { lazyHandler } from '../../shared/composition.ts';
import { packageQueries } from '../../shared/composition-package-queries.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { PackageQueries } from '../../shared/services/package-queries.ts';

/** The body is the driver's own `server_packages.sii`, as `text/plain`. */
export const createHandler = (packages: Pick<PackageQueries, 'check'>) =>
  httpHandler('packages-check', { text: true }, async ({ principal, params, text }) => ({
    status: 200,
    json: await packages.check(principal, params.id ?? '', text ?? ''),
  }));

export const handler = lazyHandler(() => createHandler(packageQueries()));
