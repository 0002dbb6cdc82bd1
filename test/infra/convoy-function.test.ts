import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { ConvoyFunction } from '../../infra/constructs/convoy-function.ts';
import { LAMBDA_BUNDLING } from '../../infra/lambda-bundling.ts';

// Real bundling (esbuild, well under a second) of a fixture, to check what the template cannot show.
const outdir = mkdtempSync(join(tmpdir(), 'convoy-bundle-'));

function bundle(): string {
  const app = new App({ outdir });
  new ConvoyFunction(new Stack(app, 'Bundled'), 'Fn', { entry: 'test/infra/fixtures/sdk-handler.ts' });
  app.synth();
  const [asset] = readdirSync(app.outdir).filter((name) => name.startsWith('asset.'));
  if (!asset) throw new Error('no asset was bundled');
  return join(app.outdir, asset);
}

describe('ConvoyFunction bundling', () => {
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const dir = bundle();
  const code = readFileSync(join(dir, 'index.mjs'), 'utf8');

  it('emits a minified ES module with a source map beside it', () => {
    // Unminified esbuild output averages a few dozen characters per line; minified, thousands.
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
  });

  it('defines require for the CommonJS code inside the ES module', () => {
    expect(
      code.startsWith("import{createRequire}from'module';const require=createRequire(import.meta.url);"),
    ).toBe(true);
  });

  it('bundles the AWS SDK, leaving out only the credential providers Lambda never reaches', () => {
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    const lazy = [...code.matchAll(/import\(\s*["'](@aws-sdk\/[^"']+)["']/g)].map((m) => m[1]);
    expect(lazy.length).toBeGreaterThan(0);
    for (const name of lazy) expect(LAMBDA_BUNDLING.externalModules).toContain(name);
    expect(LAMBDA_BUNDLING.externalModules).not.toContain('@aws-sdk/client-dynamodb');
    expect(LAMBDA_BUNDLING.externalModules).not.toContain('@aws-sdk/credential-provider-env');
  });

  it('produces a bundle that Node loads and runs', () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        'import(process.argv[1]).then((m) => m.handler()).then((r) => process.stdout.write(r))',
        join(dir, 'index.mjs'),
      ],
      { encoding: 'utf8' },
    );
    expect(out).toBe('DynamoDB');
  });
});
