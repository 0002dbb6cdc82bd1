/**
 * The local stack's admin key, of the tenant `local`: the secret chosen in `CONVOY_DEV_API_KEY`
 * (for scripts and tests that need a known key), or else one made on the first start and shown once.
 */
import { SCOPES } from '../shared/domain/api-key.ts';
import { hashKeySecret } from '../shared/domain/ids.ts';
import { createKeyService } from '../shared/services/keys.ts';
import type { KeyRepository } from '../shared/services/ports.ts';
import { systemClock } from '../shared/services/ports.ts';

export const LOCAL_TENANT = 'local';

export type AdminKey =
  /** The `CONVOY_DEV_API_KEY` secret is an admin key (`created` on this start or before). */
  | { readonly kind: 'dev'; readonly created: boolean }
  /** A new key, made because the tenant had none: its secret is shown now and never again. */
  | { readonly kind: 'issued'; readonly secret: string }
  /** The tenant already has keys; none is shown. */
  | { readonly kind: 'existing' };

export async function ensureAdminKey(keys: KeyRepository, devKey: string | undefined): Promise<AdminKey> {
  const service = createKeyService({ keys, clock: systemClock });
  const admin = { tenantId: LOCAL_TENANT, scopes: [...SCOPES] };

  if (devKey !== undefined) {
    checkDevKey(devKey);
    const existing = await keys.findByHash(hashKeySecret(devKey));
    if (!existing) {
      await service.issue({ ...admin, name: 'dev key (CONVOY_DEV_API_KEY)', secret: devKey });
      return { kind: 'dev', created: true };
    }
    const missing = SCOPES.filter((s) => !existing.scopes.includes(s));
    if (existing.tenantId !== LOCAL_TENANT || missing.length > 0 || existing.servers !== null) {
      throw new Error(
        `CONVOY_DEV_API_KEY is already the key ${existing.id} of tenant ${existing.tenantId}, which is not an ` +
          `unrestricted admin key of tenant ${LOCAL_TENANT}: choose another secret.`,
      );
    }
    return { kind: 'dev', created: false };
  }

  const { items } = await keys.list(LOCAL_TENANT, { limit: 1 });
  if (items.length > 0) return { kind: 'existing' };
  const { secret } = await service.issue({ ...admin, name: 'admin (first start)' });
  return { kind: 'issued', secret };
}

/** The keys CLI command that makes another admin key of the local tenant. */
export const NEW_ADMIN_KEY_COMMAND = `npm run keys -- create --tenant ${LOCAL_TENANT} --name me --scopes ${SCOPES.join(',')}`;

/** The authorizer accepts only `cvk_` secrets of up to 200 characters with no spaces; so must the dev key. */
export function checkDevKey(secret: string): void {
  if (!/^cvk_\S{16,196}$/.test(secret)) {
    throw new Error(
      'CONVOY_DEV_API_KEY must start with cvk_ followed by 16 to 196 non-space characters ' +
        `(for example: cvk_$(openssl rand -hex 24)).`,
    );
  }
}
