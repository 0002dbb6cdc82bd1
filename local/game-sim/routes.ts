/**
 * The local-only routes that drive simulated game hosts (never deployed):
 *
 * - `POST /local/servers/{id}/players` `{ "count": N }`: N drivers are on the server.
 * - `POST /local/servers/{id}/fail` `{ "fail": "logon-token-rejected" | "logon-token-expired" | "crash" }`:
 *   the server fails so from now on (a crash at every start becomes a crash loop).
 *
 * 202 with the instance that took it; 404 when the server has no running simulated host.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Gateway } from '../gateway.ts';
import type { SimFailure } from './dedicated-server.ts';
import type { HostLookup, SimHosts } from './hosts.ts';

const FAILURES: readonly SimFailure[] = ['logon-token-rejected', 'logon-token-expired', 'crash'];

function problem(
  status: number,
  title: string,
  detail: string,
  errors?: { path: string; message: string }[],
) {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: 'about:blank', title, status, detail, ...(errors ? { errors } : {}) }),
  };
}

const invalid = (path: string, message: string) =>
  problem(400, 'Bad Request', 'The request body is invalid.', [{ path, message }]);

type Body =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly reply: APIGatewayProxyStructuredResultV2 };

/** The JSON object body with only the `allowed` field, or a 400 problem. */
function objectBody(event: APIGatewayProxyEventV2, allowed: string): Body {
  const raw = event.body
    ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8')
    : '';
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const unknown = Object.keys(parsed).find((key) => key !== allowed);
      if (unknown) return { ok: false, reply: invalid(unknown, 'is not a known field') };
      return { ok: true, body: parsed as Record<string, unknown> };
    }
  } catch {
    // answered below
  }
  return { ok: false, reply: problem(400, 'Bad Request', 'Send a JSON object body.') };
}

function accepted(serverId: string, found: HostLookup, detail: Record<string, unknown>) {
  if (found.kind === 'noHost') {
    return problem(404, 'Not Found', `Server ${serverId.slice(0, 40)} has no running simulated host.`);
  }
  return {
    statusCode: 202,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ serverId, instanceId: found.instanceId, ...detail }),
  };
}

export function addSimHostRoutes(gateway: Gateway, hosts: SimHosts): void {
  gateway.addLocalRoute('POST', '/local/servers/{id}/players', async (event) => {
    const id = event.pathParameters?.id ?? '';
    const read = objectBody(event, 'count');
    if (!read.ok) return read.reply;
    const { count } = read.body;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 255) {
      return invalid('count', 'must be a whole number from 0 to 255');
    }
    return accepted(id, hosts.setPlayers(id, count), { players: count });
  });

  gateway.addLocalRoute('POST', '/local/servers/{id}/fail', async (event) => {
    const id = event.pathParameters?.id ?? '';
    const read = objectBody(event, 'fail');
    if (!read.ok) return read.reply;
    const fail = read.body.fail as SimFailure;
    if (!FAILURES.includes(fail)) return invalid('fail', `must be one of ${FAILURES.join(', ')}`);
    return accepted(id, hosts.fail(id, fail), { fail });
  });
}
