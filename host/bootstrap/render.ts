/**
 * Renders a game host's EC2 user data: the one script cloud-init runs on the instance's first
 * boot, which turns a bare Ubuntu 24.04 instance into a host that installs, configures and runs
 * the ETS2 or ATS dedicated server under systemd. Facts from `../shared/domain/ets2-dedicated-server.md`.
 *
 * Why a `#!/bin/bash` script rather than `#cloud-config`: the bytes EC2 receives are exactly the
 * bytes shellcheck checks and the golden files pin, with no YAML quoting layer between them, and
 * the only cloud-init feature the host needs is "run this once". Everything that must happen on
 * every boot (SteamCMD update check, fetching config and packages) lives in systemd units the
 * script installs, so warm starts do not depend on cloud-init at all.
 *
 * Every value that reaches the script is checked here against a pattern that cannot break out
 * of its quoting, even where the API validated it already: this function is the last gate
 * before a root shell.
 */
import type { Game } from '../../shared/domain/server.ts';

export interface BootstrapOptions {
  readonly game: Game;
  /** Steam branch: `public` or a beta such as `temporary_1_53`. */
  readonly branch: string;
  /**
   * The agent bundle's S3 object as an https URL (the CDK asset's `httpUrl`). The host fetches it
   * signed with its instance role's credentials (the object is private; the role may read it),
   * so the URL never expires and the same launch renders the same bytes every time, which a
   * retried RunInstances with the same ClientToken requires.
   */
  readonly agentUrl: string;
  /** Hex SHA-256 of the agent bundle, checked before it is installed. */
  readonly agentSha256: string;
  /** Base URL of the control plane's host routes (`/v1/host/...`). */
  readonly apiUrl: string;
}

export class InvalidBootstrapOptionError extends Error {
  constructor(
    readonly option: keyof BootstrapOptions,
    message: string,
  ) {
    super(`${option} ${message}`);
    this.name = 'InvalidBootstrapOptionError';
  }
}

interface GameFacts {
  readonly appId: number;
  readonly title: string;
  readonly binary: string;
  /** The server's home dir name under `$XDG_DATA_HOME` (it holds spaces). */
  readonly homeName: string;
}

export const GAME_FACTS: Readonly<Record<Game, GameFacts>> = {
  ets2: {
    appId: 1948160,
    title: 'Euro Truck Simulator 2',
    binary: 'bin/linux_x64/eurotrucks2_server',
    homeName: 'Euro Truck Simulator 2',
  },
  ats: {
    appId: 2239530,
    title: 'American Truck Simulator',
    binary: 'bin/linux_x64/amtrucks_server',
    homeName: 'American Truck Simulator',
  },
};

/** Same rule as `BranchSchema` in shared/domain/server.ts. */
export const BRANCH_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** URLs go between single quotes in the script and in a systemd EnvironmentFile: no quotes, spaces, `%`-specifier breakers or control characters. */
const SAFE_URL = /^https?:\/\/[A-Za-z0-9._~:/?#[\]@!&()*+,;=%-]+$/;
const SHA256 = /^[0-9a-f]{64}$/;

export const HOST_LAYOUT = {
  user: 'convoy',
  root: '/var/lib/convoy',
  installDir: '/var/lib/convoy/server',
  dataHome: '/var/lib/convoy/data',
  stateDir: '/var/lib/convoy/state',
  agentPath: '/opt/convoy/agent.mjs',
  installScript: '/usr/local/lib/convoy/install-game',
  envFile: '/etc/convoy/host.env',
} as const;

function check(options: BootstrapOptions): void {
  if (!Object.hasOwn(GAME_FACTS, options.game)) {
    throw new InvalidBootstrapOptionError('game', 'must be ets2 or ats');
  }
  if (!BRANCH_PATTERN.test(options.branch)) {
    throw new InvalidBootstrapOptionError('branch', 'must be a Steam branch name (letters, digits, _ . -)');
  }
  for (const key of ['agentUrl', 'apiUrl'] as const) {
    if (!SAFE_URL.test(options[key])) {
      throw new InvalidBootstrapOptionError(
        key,
        'must be an http(s) URL without quotes, spaces or control characters',
      );
    }
  }
  if (!SHA256.test(options.agentSha256)) {
    throw new InvalidBootstrapOptionError('agentSha256', 'must be 64 lowercase hex digits');
  }
}

/**
 * The per-start install step (the server unit's first ExecStartPre, run as the service user).
 * `validate` re-hashes the whole multi-GB install, so it runs only when nothing is installed yet
 * or the branch changed; otherwise SteamCMD only checks for an update, once per boot, so that
 * systemd's restarts after a crash do not wait on Steam. The branch comes from the boot bundle
 * (the agent's `fetch` writes `desired-branch`) when it names one, so a branch changed while the
 * host slept applies at the next start; the rendered branch is the fallback.
 */
export function renderInstallScript(options: BootstrapOptions): string {
  check(options);
  const { appId, title } = GAME_FACTS[options.game];
  const L = HOST_LAYOUT;
  return `#!/bin/bash
# Installs or updates the ${title} dedicated server (app ${appId}) before each start.
set -euo pipefail

state_dir=${L.stateDir}
install_dir=${L.installDir}
branch=${options.branch}
if [[ -s "$state_dir/desired-branch" ]]; then
  wanted=$(<"$state_dir/desired-branch")
  if [[ "$wanted" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ ]]; then
    branch=$wanted
  else
    echo "install-game: ignoring invalid desired-branch" >&2
  fi
fi

installed=""
if [[ -s "$state_dir/installed-branch" ]]; then
  installed=$(<"$state_dir/installed-branch")
fi
boot_id=$(</proc/sys/kernel/random/boot_id)
checked=""
if [[ -s "$state_dir/checked-boot" ]]; then
  checked=$(<"$state_dir/checked-boot")
fi
if [[ "$installed" == "$branch" && "$checked" == "$boot_id" ]]; then
  exit 0
fi

args=(+force_install_dir "$install_dir" +login anonymous +app_update ${appId})
if [[ "$branch" != public ]]; then
  args+=(-beta "$branch")
fi
if [[ "$installed" != "$branch" ]]; then
  args+=(validate)
fi
args+=(+quit)

mkdir -p "$state_dir" "$install_dir"
/usr/games/steamcmd "\${args[@]}"
printf '%s\\n' "$branch" >"$state_dir/installed-branch"
printf '%s\\n' "$boot_id" >"$state_dir/checked-boot"
`;
}

function envFile(options: BootstrapOptions): string {
  const { appId, homeName } = GAME_FACTS[options.game];
  const L = HOST_LAYOUT;
  // systemd EnvironmentFile syntax: double quotes keep the spaces of the home dir in one value.
  return `CONVOY_GAME=${options.game}
CONVOY_APP_ID=${appId}
CONVOY_BRANCH=${options.branch}
CONVOY_API_URL=${options.apiUrl}
CONVOY_INSTALL_DIR=${L.installDir}
CONVOY_STATE_DIR=${L.stateDir}
CONVOY_HOME_DIR="${L.dataHome}/${homeName}"
`;
}

function agentUnit(): string {
  const L = HOST_LAYOUT;
  return `[Unit]
Description=convoy-cloud host agent (log follower, heartbeats)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=${L.user}
Group=${L.user}
NoNewPrivileges=true
EnvironmentFile=${L.envFile}
ExecStart=/usr/bin/node ${L.agentPath} run
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
`;
}

function serverUnit(options: BootstrapOptions): string {
  const { title, binary } = GAME_FACTS[options.game];
  const L = HOST_LAYOUT;
  // A token rejected by Steam makes the server exit at once: the start limit stops systemd from
  // hammering Steam, and the agent reports the loop (crash-loop / logon-token-*) meanwhile.
  // No start timeout: on a cold host the install step downloads several GB before the server runs.
  return `[Unit]
Description=${title} dedicated server (convoy-cloud)
Wants=network-online.target convoy-agent.service
After=network-online.target convoy-agent.service
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=simple
User=${L.user}
Group=${L.user}
NoNewPrivileges=true
WorkingDirectory=${L.installDir}
EnvironmentFile=${L.envFile}
Environment=XDG_DATA_HOME=${L.dataHome}
Environment=LD_LIBRARY_PATH=${L.installDir}/linux64
ExecStartPre=/usr/bin/node ${L.agentPath} fetch
ExecStartPre=${L.installScript}
ExecStart=${L.installDir}/${binary} -nosingle
KillSignal=SIGINT
TimeoutStartSec=infinity
TimeoutStopSec=60
Restart=on-failure
RestartSec=10

[Install]
WantedBy=multi-user.target
`;
}

/** The user data for a game host: a bash script (see the module comment for why not cloud-config). */
export function renderBootstrap(options: BootstrapOptions): string {
  check(options);
  const { title, appId, homeName } = GAME_FACTS[options.game];
  const L = HOST_LAYOUT;
  return `#!/bin/bash
# convoy-cloud game host bootstrap: ${title} (app ${appId}), branch ${options.branch}.
# Rendered by host/bootstrap/render.ts; cloud-init runs it once, on the instance's first boot.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! id -u ${L.user} >/dev/null 2>&1; then
  useradd --system --create-home --home-dir ${L.root} --shell /usr/sbin/nologin ${L.user}
fi

# SteamCMD is an i386 package in Ubuntu's multiverse and asks to accept Valve's license.
dpkg --add-architecture i386
add-apt-repository --yes --no-update multiverse
echo 'steam steam/question select I AGREE' | debconf-set-selections
echo 'steam steam/license note ' | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends \\
  ca-certificates curl nodejs \\
  lib32gcc-s1 lib32stdc++6 steamcmd \\
  libatomic1 libx11-6

install -d -m 0755 /etc/convoy /opt/convoy /usr/local/lib/convoy
install -d -o ${L.user} -g ${L.user} -m 0750 ${L.root} ${L.installDir} ${L.stateDir} ${L.dataHome} \\
  "${L.dataHome}/${homeName}"

# The agent bundle is a private S3 object the instance role may read: sign the GET with the
# role's credentials from IMDSv2 (curl's --aws-sigv4), then check it against the pinned hash.
imds_token=$(curl --fail --silent --show-error --request PUT \\
  --header 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)
imds() {
  curl --fail --silent --show-error --header "X-aws-ec2-metadata-token: $imds_token" \\
    "http://169.254.169.254/latest/meta-data/$1"
}
region=$(imds placement/region)
role=$(imds iam/security-credentials/)
read -r key_id secret session_token < <(imds "iam/security-credentials/$role" |
  node -e 'const c = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(c.AccessKeyId, c.SecretAccessKey, c.Token)')
agent_tmp=$(mktemp)
curl --fail --silent --show-error --location --retry 5 --output "$agent_tmp" \\
  --aws-sigv4 "aws:amz:$region:s3" --user "$key_id:$secret" \\
  --header "x-amz-security-token: $session_token" --header 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \\
  '${options.agentUrl}'
unset secret session_token
echo '${options.agentSha256}  '"$agent_tmp" | sha256sum --check --quiet
install -m 0644 "$agent_tmp" ${L.agentPath}
rm -f "$agent_tmp"

cat >${L.envFile} <<'EOF'
${envFile(options)}EOF

cat >${L.installScript} <<'EOF'
${renderInstallScript(options)}EOF
chmod 0755 ${L.installScript}

cat >/etc/systemd/system/convoy-agent.service <<'EOF'
${agentUnit()}EOF

cat >/etc/systemd/system/convoy-server.service <<'EOF'
${serverUnit(options)}EOF

systemctl daemon-reload
systemctl enable convoy-agent.service convoy-server.service
# The first start downloads several GB: do not hold cloud-init (and the boot) until it is done.
systemctl start --no-block convoy-agent.service convoy-server.service
`;
}
