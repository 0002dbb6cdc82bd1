/** API keys: made with a secret shown once, stored as a hash, checked on every request. */
import type { CreateKeyRequest, KeyRecord, KeyView, Principal, Scope } from '../domain/api-key.ts';
import { SCOPES, toKeyView } from '../domain/api-key.ts';
import { ForbiddenError, NotFoundError } from '../domain/errors.ts';
import { hashKeySecret, isIdOf, newId, newKeySecret } from '../domain/ids.ts';
import type { Clock, KeyRepository, Page, PageRequest } from './ports.ts';

export interface KeyServiceDeps {
  readonly keys: KeyRepository;
  readonly clock: Clock;
}

export interface IssuedKey {
  readonly key: KeyView;
  /** Shown once; only its hash is stored. */
  readonly secret: string;
}

export interface IssueKeyInput extends CreateKeyRequest {
  readonly tenantId: string;
  /** A chosen secret (the local dev key); a random one otherwise. */
  readonly secret?: string;
}

export function createKeyService({ keys, clock }: KeyServiceDeps) {
  async function issue(input: IssueKeyInput): Promise<IssuedKey> {
    const secret = input.secret ?? newKeySecret();
    const record: KeyRecord = {
      id: newId('key', clock.now().getTime()),
      tenantId: input.tenantId,
      name: input.name,
      scopes: input.scopes,
      servers: input.servers ?? null,
      createdAt: clock.now().toISOString(),
    };
    await keys.create(record, hashKeySecret(secret));
    return { key: toKeyView(record), secret };
  }

  return {
    /** For operators (the keys CLI, the local stack): any tenant, any scopes. */
    issue,

    /** Through the API: a key can only make keys of its own tenant with no more power than itself. */
    async create(principal: Principal, request: CreateKeyRequest): Promise<IssuedKey> {
      const beyond = request.scopes.filter((s) => !principal.scopes.includes(s));
      if (beyond.length > 0) {
        throw new ForbiddenError(`A key cannot grant scopes it lacks: ${beyond.join(', ')}.`);
      }
      if (principal.servers !== null) {
        const outside = (request.servers ?? ['(all servers)']).filter((s) => !principal.servers?.includes(s));
        if (outside.length > 0) {
          throw new ForbiddenError('A key restricted to some servers can only make keys for those servers.');
        }
      }
      return issue({ ...request, tenantId: principal.tenantId });
    },

    async list(principal: Principal, page: PageRequest): Promise<Page<KeyView>> {
      const result = await keys.list(principal.tenantId, page);
      return { items: result.items.map(toKeyView), nextCursor: result.nextCursor };
    },

    async remove(principal: Principal, id: string): Promise<void> {
      // An id that cannot be one names none (and would exceed DynamoDB's key size: a 500).
      if (!isIdOf('key', id) || !(await keys.remove(principal.tenantId, id))) {
        throw new NotFoundError(`No key ${id.slice(0, 40)} in this tenant; GET /v1/keys lists them.`);
      }
    },

    /** The caller behind a secret, or null for an unknown one. */
    async authenticate(secret: string): Promise<Principal | null> {
      if (!secret.startsWith('cvk_') || secret.length > 200) return null;
      const key = await keys.findByHash(hashKeySecret(secret));
      if (!key) return null;
      return { tenantId: key.tenantId, keyId: key.id, scopes: key.scopes, servers: key.servers };
    },
  };
}

export type KeyService = ReturnType<typeof createKeyService>;

export const ALL_SCOPES: readonly Scope[] = SCOPES;
