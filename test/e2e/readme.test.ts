import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { adminKey, apiUrl } from './support.ts';

const run = promisify(execFile);

/** The README's walkthrough block, pointed at this run's stack instead of port 3000. */
async function walkthrough(): Promise<string> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /<!-- walkthrough[^\n]*-->\n```bash\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no walkthrough block');
  return block.replace(/^API=.*$/m, `API=${apiUrl}`).replace(/^KEY=.*$/m, `KEY=${adminKey}`);
}

describe('the README walkthrough', () => {
  it('runs as written against a started stack', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'convoy-readme-'));
    try {
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', await walkthrough()], { cwd });
      expect(stdout).toContain('"status":"ok"');
      expect(stdout).toMatch(/etag: "v1"/i);
      expect(stdout).toContain('"welcomeMessage":"Convoy leaves Rotterdam at 20:00"');
      expect(stdout).toContain('"path":"config.lobbyName"');
      expect(stdout).toContain('password: "<redacted>"');
      expect(stdout).not.toContain('s3cret');
      expect(stdout).toContain('"secret":"cvk_');
      expect(stdout.trim().endsWith('204')).toBe(true);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
