import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BootstrapOptions,
  InvalidBootstrapOptionError,
  renderBootstrap,
  renderInstallScript,
} from '../../../host/bootstrap/render.ts';

const goldenDir = new URL('../golden/bootstrap/', import.meta.url);
const updateGolden = process.env.UPDATE_GOLDEN === '1';

const base: Omit<BootstrapOptions, 'game' | 'branch'> = {
  agentUrl:
    'https://s3.eu-west-1.amazonaws.com/cdk-hnb659fds-assets-123456789012-eu-west-1/9b74c9897bac770f.mjs',
  agentSha256: '9b74c9897bac770ffc029102a200c5de6f4c1e5ae3e8f0b2d8a1b1a0e3e8b7a1',
  apiUrl: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
};

const variants: BootstrapOptions[] = [
  { ...base, game: 'ets2', branch: 'public' },
  { ...base, game: 'ets2', branch: 'temporary_1_53' },
  { ...base, game: 'ats', branch: 'public' },
  { ...base, game: 'ats', branch: 'temporary_1_53' },
];
const nameOf = (v: BootstrapOptions) => `${v.game}-${v.branch}.sh`;

describe('renderBootstrap golden files', () => {
  it.each(variants.map((v) => [nameOf(v), v] as const))('renders %s byte for byte', (name, options) => {
    const rendered = renderBootstrap(options);
    const file = new URL(name, goldenDir);
    if (updateGolden) writeFileSync(file, rendered);
    expect(rendered, `golden ${name} differs; UPDATE_GOLDEN=1 npm run test:unit rewrites it`).toBe(
      readFileSync(file, 'utf8'),
    );
  });
});

describe('renderBootstrap content', () => {
  it('fits EC2 user data (16 KB before base64) with room for the longest branch and URLs', () => {
    const longest = renderBootstrap({
      ...base,
      game: 'ets2',
      branch: `b${'x'.repeat(63)}`,
      agentUrl: `https://s3.eu-west-1.amazonaws.com/${'a'.repeat(63)}/${'k'.repeat(200)}.mjs`,
      apiUrl: `https://${'a'.repeat(10)}.execute-api.eu-west-1.amazonaws.com`,
    });
    expect(Buffer.byteLength(longest)).toBeLessThan(12 * 1024);
  });

  it('passes -beta only for a beta branch and quotes the home dir holding spaces', () => {
    const ets2Beta = renderBootstrap({ ...base, game: 'ets2', branch: 'temporary_1_53' });
    const atsPublic = renderBootstrap({ ...base, game: 'ats', branch: 'public' });

    expect(ets2Beta).toContain('+app_update 1948160');
    expect(ets2Beta).toContain('branch=temporary_1_53');
    expect(ets2Beta).toContain('bin/linux_x64/eurotrucks2_server -nosingle');
    expect(ets2Beta).toContain('"/var/lib/convoy/data/Euro Truck Simulator 2"');
    expect(atsPublic).toContain('+app_update 2239530');
    expect(atsPublic).toContain('bin/linux_x64/amtrucks_server -nosingle');
    expect(atsPublic).toContain('CONVOY_HOME_DIR="/var/lib/convoy/data/American Truck Simulator"');
  });

  it('gives the server unit SIGINT, a bounded restart policy and a fresh fetch before each start', () => {
    const script = renderBootstrap({ ...base, game: 'ets2', branch: 'public' });

    for (const line of [
      'KillSignal=SIGINT',
      'Restart=on-failure',
      'StartLimitBurst=5',
      'StartLimitIntervalSec=600',
      'Environment=XDG_DATA_HOME=/var/lib/convoy/data',
      'Environment=LD_LIBRARY_PATH=/var/lib/convoy/server/linux64',
      'ExecStartPre=/usr/bin/node /opt/convoy/agent.mjs fetch',
      'ExecStartPre=/usr/local/lib/convoy/install-game',
      'User=convoy',
    ]) {
      expect(script).toContain(`\n${line}\n`);
    }
  });

  it.each([['public; rm -rf /'], ['$(reboot)'], ['-beta'], [''], ['a'.repeat(65)], ["x'y"], ['line\nbreak']])(
    'refuses the branch %j',
    (branch) => {
      expect(() => renderBootstrap({ ...base, game: 'ets2', branch })).toThrow(InvalidBootstrapOptionError);
      expect(() => renderInstallScript({ ...base, game: 'ets2', branch })).toThrow(/branch/);
    },
  );

  it('refuses URLs and hashes that could leave their quotes', () => {
    expect(() =>
      renderBootstrap({ ...base, game: 'ats', branch: 'public', agentUrl: "https://x/'; id; '" }),
    ).toThrow(/agentUrl/);
    expect(() =>
      renderBootstrap({ ...base, game: 'ats', branch: 'public', apiUrl: 'file:///etc/passwd' }),
    ).toThrow(/apiUrl/);
    expect(() => renderBootstrap({ ...base, game: 'ats', branch: 'public', agentSha256: 'abc' })).toThrow(
      /agentSha256/,
    );
    expect(() => renderBootstrap({ ...base, game: 'doom' as 'ats', branch: 'public' })).toThrow(/game/);
  });
});

describe('shellcheck', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convoy-bootstrap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is installed (CI installs the Debian package; locally: apt-get install -y shellcheck)', () => {
    const probe = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    expect(
      probe.error,
      'shellcheck is missing: install it (apt-get install -y shellcheck) — the bootstrap checks must not be skipped',
    ).toBeUndefined();
    expect(probe.status).toBe(0);
  });

  it('flags a script that would split the home dir on its spaces (the check is live)', () => {
    const file = join(dir, 'unquoted.sh');
    writeFileSync(file, '#!/bin/bash\nhome=$1\nmkdir -p $home\n');

    const run = spawnSync('shellcheck', ['-s', 'bash', file], { encoding: 'utf8' });

    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('SC2086');
  });

  const scripts = variants.flatMap((v) => [
    [nameOf(v), renderBootstrap(v)] as const,
    [`install-game.${nameOf(v)}`, renderInstallScript(v)] as const,
  ]);
  it.each(scripts)('passes on %s', (name, script) => {
    const file = join(dir, name);
    writeFileSync(file, script);
    const run = () => execFileSync('shellcheck', ['-s', 'bash', file], { encoding: 'utf8', stdio: 'pipe' });
    let report = '';
    try {
      run();
    } catch (error) {
      const failure = error as { code?: string; stdout?: string; message: string };
      report =
        failure.code === 'ENOENT'
          ? 'shellcheck is missing: install it (apt-get install -y shellcheck)'
          : (failure.stdout ?? failure.message);
    }
    expect(report, report).toBe('');
  });
});
