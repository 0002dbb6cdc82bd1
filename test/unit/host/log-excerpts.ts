/**
 * `server.log.txt` excerpts in the line formats of ../shared/domain/ets2-dedicated-server.md.
 * The first line's version format is unconfirmed for the dedicated server (see log-parser.ts).
 */
export const SESSION_LOG = `00:00:00.000 : Euro Truck Simulator 2 init ver.1.53.1.0s (rev. 8c3e4b7a1d2f) linux_x64
00:00:00.004 : [MP] Loading server config
00:00:05.412 : [MP] Steam connected
00:00:05.913 : [MP] Session search id: 85568392925767505/101
00:00:06.020 : [MP] Session running.
00:03:12.101 : [MP] Jan [NL] Kowalski connected, client_id = 10
00:03:12.102 : [MP] [Chat] Jan [NL] Kowalski connected, client_id = 10
00:04:40.550 : [MP] D.J. Trucker connected, client_id = 11
00:04:41.007 : [MP] [Chat] D.J. Trucker: hi all
00:05:00.000 : [MP] State: running;  Time: 11344626;  Players: 2
00:07:01.300 : [MP] Jan [NL] Kowalski disconnected, client_id = 10
00:07:01.301 : [MP] [Chat] Jan [NL] Kowalski disconnected, client_id = 10
`;

export const EXPIRED_TOKEN_LOG = `00:00:00.000 : American Truck Simulator init ver.1.53.2.4s (rev. 0a1b2c3d4e5f) linux_x64
00:00:04.201 : [MP] Error: Steam log on failed - code 106 .
00:00:04.305 : [MP] Session closing
`;

export const STEAM_LOSS_LOG = `00:00:05.913 : [MP] Session search id: 85568392925767505/101
00:00:06.020 : [MP] Session running.
03:09:04.777 : [MP] Steam disconnected
03:09:04.901 : [MP] Session closing
`;
