import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ServerConfig } from '../../../shared/domain/server.ts';
import { renderServerConfig } from '../../../shared/domain/sii/server-config.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');

const everyFieldChanged: ServerConfig = {
  lobbyName: 'Friday Night Convoy',
  description: 'Rotterdam → Milano',
  welcomeMessage: 'Be nice, no ramming',
  password: 'hunter2',
  logonToken: '0123456789ABCDEF0123456789ABCDEF',
  maxPlayers: 6,
  maxVehiclesTotal: 80,
  maxAiVehiclesPlayer: 40,
  maxAiVehiclesPlayerSpawn: 30,
  connectionVirtualPort: 110,
  queryVirtualPort: 111,
  connectionPort: 27100,
  queryPort: 27101,
  playerDamage: false,
  traffic: false,
  hideInCompany: true,
  hideColliding: false,
  forceSpeedLimiter: true,
  modsOptioning: true,
  timezones: 2,
  serviceNoCollision: true,
  inMenuGhosting: true,
  nameTags: false,
  moderators: ['76561198000000001', '76561198000000002'],
};

describe('renderServerConfig', () => {
  it('renders the defaults byte for byte like the server-generated file', () => {
    expect(renderServerConfig(DEFAULT_CONFIG)).toBe(fixture('server_config.default.sii'));
  });

  it('renders every field with its SII name and moderators as an SII array', () => {
    expect(renderServerConfig(everyFieldChanged)).toMatchInlineSnapshot(`
      "SiiNunit
      {
      server_config : _nameless.54e.4440 {
       lobby_name: "Friday Night Convoy"
       description: "Rotterdam → Milano"
       welcome_message: "Be nice, no ramming"
       password: "hunter2"
       max_players: 6
       max_vehicles_total: 80
       max_ai_vehicles_player: 40
       max_ai_vehicles_player_spawn: 30
       connection_virtual_port: 110
       query_virtual_port: 111
       connection_dedicated_port: 27100
       query_dedicated_port: 27101
       server_logon_token: "0123456789ABCDEF0123456789ABCDEF"
       player_damage: false
       traffic: false
       hide_in_company: true
       hide_colliding: false
       force_speed_limiter: true
       mods_optioning: true
       timezones: 2
       service_no_collision: true
       in_menu_ghosting: true
       name_tags: false
       friends_only: false
       show_server: true
       moderator_list: 2
       moderator_list[0]: 76561198000000001
       moderator_list[1]: 76561198000000002
      }

      }
      "
    `);
  });

  it('redacts set secrets and leaves empty ones empty', () => {
    const text = renderServerConfig({ ...everyFieldChanged, logonToken: '' }, { redactSecrets: true });
    expect(text).toContain(' password: "<redacted>"\n');
    expect(text).toContain(' server_logon_token: ""\n');
    expect(text).not.toContain('hunter2');
  });
});
