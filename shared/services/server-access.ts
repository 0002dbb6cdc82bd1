/** The one way a use case reads the caller's server by the id a request names. */
import type { Principal } from '../domain/api-key.ts';
import { requireServerAccess, serverNotFound } from '../domain/api-key.ts';
import { isIdOf } from '../domain/ids.ts';
import type { ServerRecord } from '../domain/server.ts';
import type { ServerRepository } from './ports.ts';

/**
 * The caller's server, or 404 alike for another tenant's, one outside the key's restriction and
 * an id that cannot be one (checked before the read: an overlong key would be DynamoDB's 500).
 */
export async function loadServer(
  servers: Pick<ServerRepository, 'get'>,
  principal: Principal,
  id: string,
): Promise<ServerRecord> {
  requireServerAccess(principal, id);
  if (!isIdOf('srv', id)) throw serverNotFound(id.slice(0, 40));
  const server = await servers.get(principal.tenantId, id);
  if (!server) throw serverNotFound(id);
  return server;
}
