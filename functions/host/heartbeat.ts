import { lazyHandler } from '../../shared/composition.ts';
import { hostReports } from '../../shared/composition-hosts-api.ts';
import { HeartbeatRequestSchema } from '../../shared/domain/host.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { logger } from '../../shared/http/logger.ts';
import type { HostReports } from '../../shared/services/hosts.ts';

/** The calling host reports its own server; a failure in the report moves the server to `error`. */
export const createHandler = (reports: HostReports) =>
  httpHandler('host-heartbeat', { body: HeartbeatRequestSchema }, async ({ host, body }) => {
    const reply = await reports.heartbeat(host, body);
    logger.appendKeys({ serverId: reply.serverId, instanceId: host?.instanceId });
    return { status: 200, json: reply };
  });

export const handler = lazyHandler(() => createHandler(hostReports()));
