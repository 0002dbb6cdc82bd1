import type { Principal } from '../../shared/domain/api-key.ts';
import { SCOPES } from '../../shared/domain/api-key.ts';

export const admin = (tenantId = 'acme', overrides: Partial<Principal> = {}): Principal => ({
  tenantId,
  keyId: `key_admin_${tenantId}`,
  scopes: [...SCOPES],
  servers: null,
  ...overrides,
});
