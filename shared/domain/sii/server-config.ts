/**
 * Renders `server_config.sii` from a stored config. Pure, and exact: the game defaults render
 * byte for byte like the file the dedicated server generates itself. Strings are safe to quote
 * because the schema refused anything that could break out (see `siiString`).
 */
import type { ServerConfig } from '../server.ts';

export interface RenderOptions {
  /** Replace the password and logon token by `<redacted>` (for previews shown to users). */
  readonly redactSecrets?: boolean;
}

/** The unit name the server itself writes; any unique name works, this one keeps goldens exact. */
const UNIT_NAME = '_nameless.54e.4440';
export const REDACTED = '<redacted>';

export function renderServerConfig(config: ServerConfig, options: RenderOptions = {}): string {
  const secret = (value: string) => (options.redactSecrets && value !== '' ? REDACTED : value);
  const fields: [string, string | number | boolean][] = [
    ['lobby_name', quote(config.lobbyName)],
    ['description', quote(config.description)],
    ['welcome_message', quote(config.welcomeMessage)],
    ['password', quote(secret(config.password))],
    ['max_players', config.maxPlayers],
    ['max_vehicles_total', config.maxVehiclesTotal],
    ['max_ai_vehicles_player', config.maxAiVehiclesPlayer],
    ['max_ai_vehicles_player_spawn', config.maxAiVehiclesPlayerSpawn],
    ['connection_virtual_port', config.connectionVirtualPort],
    ['query_virtual_port', config.queryVirtualPort],
    ['connection_dedicated_port', config.connectionPort],
    ['query_dedicated_port', config.queryPort],
    ['server_logon_token', quote(secret(config.logonToken))],
    ['player_damage', config.playerDamage],
    ['traffic', config.traffic],
    ['hide_in_company', config.hideInCompany],
    ['hide_colliding', config.hideColliding],
    ['force_speed_limiter', config.forceSpeedLimiter],
    ['mods_optioning', config.modsOptioning],
    ['timezones', config.timezones],
    ['service_no_collision', config.serviceNoCollision],
    ['in_menu_ghosting', config.inMenuGhosting],
    ['name_tags', config.nameTags],
    // Unused by the dedicated server, but it writes them; keep the file identical to its own.
    ['friends_only', false],
    ['show_server', true],
    ...array('moderator_list', config.moderators),
  ];
  const body = fields.map(([name, value]) => ` ${name}: ${value}\n`).join('');
  return `SiiNunit\n{\nserver_config : ${UNIT_NAME} {\n${body}}\n\n}\n`;
}

const quote = (value: string): string => `"${value}"`;

/** SII arrays: a count line, then one indexed line per element. */
function array(name: string, values: readonly string[]): [string, string | number][] {
  return [[name, values.length], ...values.map((v, i): [string, string] => [`${name}[${i}]`, v])];
}
