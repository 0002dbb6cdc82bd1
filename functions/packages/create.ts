import { lazyHandler } from '../../shared/composition.ts';
import { packageService } from '../../shared/composition-packages.ts';
import { CreatePackageRequestSchema } from '../../shared/domain/package.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { idempotencyKeyOf } from '../../shared/http/idempotency.ts';
import type { PackageService } from '../../shared/services/packages.ts';

/** 201 with presigned uploads; a replayed Idempotency-Key answers the same package with fresh URLs. */
export const createHandler = (packages: Pick<PackageService, 'create'>) =>
  httpHandler(
    'packages-create',
    { body: CreatePackageRequestSchema },
    async ({ principal, body, headers }) => {
      const { replayed, ...result } = await packages.create(principal, body, idempotencyKeyOf(headers));
      return {
        status: 201,
        json: result,
        headers: {
          location: `/v1/packages/${result.package.id}`,
          ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
        },
      };
    },
  );

export const handler = lazyHandler(() => createHandler(packageService()));
