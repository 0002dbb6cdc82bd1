#!/bin/bash
# convoy-cloud game host bootstrap: Euro Truck Simulator 2 (app 1948160), branch temporary_1_53.
# Rendered by host/bootstrap/render.ts; cloud-init runs it once, on the instance's first boot.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! id -u convoy >/dev/null 2>&1; then
  useradd --system --create-home --home-dir /var/lib/convoy --shell /usr/sbin/nologin convoy
fi

# SteamCMD is an i386 package in Ubuntu's multiverse and asks to accept Valve's license.
dpkg --add-architecture i386
add-apt-repository --yes --no-update multiverse
echo 'steam steam/question select I AGREE' | debconf-set-selections
echo 'steam steam/license note ' | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends \
  ca-certificates curl nodejs \
  lib32gcc-s1 lib32stdc++6 steamcmd \
  libatomic1 libx11-6

install -d -m 0755 /etc/convoy /opt/convoy /usr/local/lib/convoy
install -d -o convoy -g convoy -m 0750 /var/lib/convoy /var/lib/convoy/server /var/lib/convoy/state /var/lib/convoy/data \
  "/var/lib/convoy/data/Euro Truck Simulator 2"

# The agent bundle is a private S3 object the instance role may read: sign the GET with the
# role's credentials from IMDSv2 (curl's --aws-sigv4), then check it against the pinned hash.
imds_token=$(curl --fail --silent --show-error --request PUT \
  --header 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)
imds() {
  curl --fail --silent --show-error --header "X-aws-ec2-metadata-token: $imds_token" \
    "http://169.254.169.254/latest/meta-data/$1"
}
region=$(imds placement/region)
role=$(imds iam/security-credentials/)
read -r key_id secret session_token < <(imds "iam/security-credentials/$role" |
  node -e 'const c = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(c.AccessKeyId, c.SecretAccessKey, c.Token)')
agent_tmp=$(mktemp)
curl --fail --silent --show-error --location --retry 5 --output "$agent_tmp" \
  --aws-sigv4 "aws:amz:$region:s3" --user "$key_id:$secret" \
  --header "x-amz-security-token: $session_token" --header 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
  'https://s3.eu-west-1.amazonaws.com/cdk-hnb659fds-assets-123456789012-eu-west-1/9b74c9897bac770f.mjs'
unset secret session_token
echo '9b74c9897bac770ffc029102a200c5de6f4c1e5ae3e8f0b2d8a1b1a0e3e8b7a1  '"$agent_tmp" | sha256sum --check --quiet
install -m 0644 "$agent_tmp" /opt/convoy/agent.mjs
rm -f "$agent_tmp"

cat >/etc/convoy/host.env <<'EOF'
CONVOY_GAME=ets2
CONVOY_APP_ID=1948160
CONVOY_BRANCH=temporary_1_53
CONVOY_API_URL=https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com
CONVOY_INSTALL_DIR=/var/lib/convoy/server
CONVOY_STATE_DIR=/var/lib/convoy/state
CONVOY_HOME_DIR="/var/lib/convoy/data/Euro Truck Simulator 2"
EOF

cat >/usr/local/lib/convoy/install-game <<'EOF'
#!/bin/bash
# Installs or updates the Euro Truck Simulator 2 dedicated server (app 1948160) before each start.
set -euo pipefail

state_dir=/var/lib/convoy/state
install_dir=/var/lib/convoy/server
branch=temporary_1_53
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

args=(+force_install_dir "$install_dir" +login anonymous +app_update 1948160)
if [[ "$branch" != public ]]; then
  args+=(-beta "$branch")
fi
if [[ "$installed" != "$branch" ]]; then
  args+=(validate)
fi
args+=(+quit)

mkdir -p "$state_dir" "$install_dir"
/usr/games/steamcmd "${args[@]}"
printf '%s\n' "$branch" >"$state_dir/installed-branch"
printf '%s\n' "$boot_id" >"$state_dir/checked-boot"
EOF
chmod 0755 /usr/local/lib/convoy/install-game

cat >/etc/systemd/system/convoy-agent.service <<'EOF'
[Unit]
Description=convoy-cloud host agent (log follower, heartbeats)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=convoy
Group=convoy
NoNewPrivileges=true
EnvironmentFile=/etc/convoy/host.env
ExecStart=/usr/bin/node /opt/convoy/agent.mjs run
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
EOF

cat >/etc/systemd/system/convoy-server.service <<'EOF'
[Unit]
Description=Euro Truck Simulator 2 dedicated server (convoy-cloud)
Wants=network-online.target convoy-agent.service
After=network-online.target convoy-agent.service
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=simple
User=convoy
Group=convoy
NoNewPrivileges=true
WorkingDirectory=/var/lib/convoy/server
EnvironmentFile=/etc/convoy/host.env
Environment=XDG_DATA_HOME=/var/lib/convoy/data
Environment=LD_LIBRARY_PATH=/var/lib/convoy/server/linux64
ExecStartPre=/usr/bin/node /opt/convoy/agent.mjs fetch
ExecStartPre=/usr/local/lib/convoy/install-game
ExecStart=/var/lib/convoy/server/bin/linux_x64/eurotrucks2_server -nosingle
KillSignal=SIGINT
TimeoutStartSec=infinity
TimeoutStopSec=60
Restart=on-failure
RestartSec=10

[Install]
WantedBy=multi-user.target
EOF

systemctl daemon-reload
systemctl enable convoy-agent.service convoy-server.service
# The first start downloads several GB: do not hold cloud-init (and the boot) until it is done.
systemctl start --no-block convoy-agent.service convoy-server.service
