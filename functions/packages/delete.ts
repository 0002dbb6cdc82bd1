import { lazyHandler } from '../../shared/composition.ts';
import { packageService } from '../../shared/composition-packages.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { PackageService } from '../../shared/services/packages.ts';

export const createHandler = (packages: Pick<PackageService, 'remove'>) =>
  httpHandler('packages-delete', {}, async ({ principal, params }) => {
    await packages.remove(principal, params.id ?? '');
    return { status: 204 };
  });

export const handler = lazyHandler(() => createHandler(packageService()));
