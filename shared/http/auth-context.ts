/**
 * What the API-key authorizer hands to handlers through API Gateway (`requestContext.authorizer.lambda`).
 * HTTP APIs cache this per Authorization header, so it describes the key, never a route decision.
 */
import type { Principal, Scope } from '../domain/api-key.ts';

export type AuthContext =
  | { readonly authenticated: 'false' }
  | {
      readonly authenticated: 'true';
      readonly tenantId: string;
      readonly keyId: string;
      /** Space-separated scopes. */
      readonly scopes: string;
      /** Space-separated server ids, or `*` for every server of the tenant. */
      readonly servers: string;
    };

export function encodePrincipal(principal: Principal | null): AuthContext {
  if (!principal) return { authenticated: 'false' };
  return {
    authenticated: 'true',
    tenantId: principal.tenantId,
    keyId: principal.keyId,
    scopes: principal.scopes.join(' '),
    servers: principal.servers === null ? '*' : principal.servers.join(' '),
  };
}

export function decodePrincipal(context: Record<string, unknown> | undefined): Principal | null {
  if (context?.authenticated !== 'true') return null;
  const words = (value: unknown) =>
    String(value ?? '')
      .split(' ')
      .filter(Boolean);
  return {
    tenantId: String(context.tenantId),
    keyId: String(context.keyId),
    scopes: words(context.scopes) as Scope[],
    servers: context.servers === '*' ? null : words(context.servers),
  };
}
