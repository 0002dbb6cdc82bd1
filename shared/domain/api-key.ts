/** API keys, scopes and the caller they authenticate. */
import { ForbiddenError, NotFoundError } from './errors.ts';
import { ServerIdSchema } from './server.ts';
import * as z from './zod.ts';

export const SCOPES = [
  'servers:read',
  'servers:write',
  'servers:power',
  'packages:read',
  'packages:write',
  'keys:admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export const KeyNameSchema = z.string().check(
  z.minLength(1, 'must not be empty'),
  z.maxLength(100, 'must be at most 100 characters'),
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  z.refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters'),
);

export const ScopesSchema = z.array(z.enum(SCOPES)).check(
  z.minLength(1, 'must grant at least one scope'),
  z.refine((s) => new Set(s).size === s.length, 'must not list a scope twice'),
);

export const CreateKeyRequestSchema = z.strictObject({
  name: KeyNameSchema,
  scopes: ScopesSchema,
  /** Restricts the key to these servers; omitted or `null` means every server of the tenant. */
  servers: z.optional(
    z.nullable(z.array(ServerIdSchema).check(z.maxLength(100, 'must list at most 100 servers'))),
  ),
});
export type CreateKeyRequest = z.infer<typeof CreateKeyRequestSchema>;

export const TenantIdSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (up to 63)'));

export interface KeyRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly servers: readonly string[] | null;
  readonly createdAt: string;
}

export type KeyView = Omit<KeyRecord, 'tenantId'>;
export const toKeyView = ({ tenantId: _t, ...view }: KeyRecord): KeyView => view;

/** Who is calling: what the authorizer learned from the key. */
export interface Principal {
  readonly tenantId: string;
  readonly keyId: string;
  readonly scopes: readonly Scope[];
  readonly servers: readonly string[] | null;
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.includes(scope)) {
    throw new ForbiddenError(`This API key lacks the scope ${scope}.`);
  }
}

/** A key restricted to some servers sees no others: they answer 404, as other tenants' do. */
export function requireServerAccess(principal: Principal, serverId: string): void {
  if (principal.servers !== null && !principal.servers.includes(serverId)) {
    throw serverNotFound(serverId);
  }
}

export const serverNotFound = (id: string) => new NotFoundError(`No server ${id}.`);
