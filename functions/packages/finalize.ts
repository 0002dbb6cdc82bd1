import { lazyHandler } from '../../shared/composition.ts';
import { packageService } from '../../shared/composition-packages.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { PackageService } from '../../shared/services/packages.ts';

export const createHandler = (packages: Pick<PackageService, 'finalize'>) =>
  httpHandler('packages-finalize', {}, async ({ principal, params }) => ({
    status: 200,
    json: await packages.finalize(principal, params.id ?? ''),
  }));

export const handler = lazyHandler(() => createHandler(packageService()));
