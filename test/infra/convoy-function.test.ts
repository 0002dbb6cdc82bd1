import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUDGET_BYTES, LAMBDA_BUNDLING } from '../../infra/bundling/lambda-bundling.ts';
import { inlineSchemaKeys } from '../../infra/bundling/sdk-schema-keys.ts';
import { ConvoyFunction } from '../../infra/constructs/convoy-function.ts';
import { startEc2StandIn } from '../../local/ec2/server.ts';

// Real bundling (esbuild, about a second each) of fixtures, to check what the template cannot show.
const outdir = mkdtempSync(join(tmpdir(), 'convoy-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Synthesises one function from `entry` and returns its asset folder. */
function bundle(entry: string): string {
  const app = new App({ outdir: mkdtempSync(join(outdir, 'app-')) });
  new ConvoyFunction(new Stack(app, 'Bundled'), 'Fn', { entry });
  app.synth();
  const [asset] = readdirSync(app.outdir).filter((name) => name.startsWith('asset.'));
  if (!asset) throw new Error('no asset was bundled');
  return join(app.outdir, asset);
}

/** Runs the bundle's handler in a fresh Node process and returns what it resolved to. */
async function invoke(dir: string, ...args: string[]): Promise<string> {
  const script =
    'import(process.argv[1]).then((m) => m.handler(...process.argv.slice(2))).then((r) => process.stdout.write(r))';
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-e', script, join(dir, 'index.mjs'), ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    },
  );
  return stdout;
}

describe('ConvoyFunction bundling', () => {
  const dir = bundle('test/infra/fixtures/sdk-handler.ts');
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

  it('produces a bundle that Node loads and runs', async () => {
    expect(await invoke(dir)).toBe('DynamoDB');
  });
});

describe('ConvoyFunction assets', () => {
  it('gives each function of one synthesis its own bundle', () => {
    const app = new App({ outdir: mkdtempSync(join(outdir, 'app-')) });
    const stack = new Stack(app, 'Two');
    new ConvoyFunction(stack, 'Dynamo', { entry: 'test/infra/fixtures/sdk-handler.ts' });
    new ConvoyFunction(stack, 'Ec2', { entry: 'test/infra/fixtures/ec2-handler.ts' });
    app.synth();
    expect(readdirSync(app.outdir).filter((name) => name.startsWith('asset.'))).toHaveLength(2);
  });
});

describe('SDK schemas in the bundle', () => {
  it('inlines computed keys that name string constants, and leaves every other key alone', () => {
    const source = [
      'const _xN = "xmlName";',
      'const _weird = `template`;',
      'export var A$ = [3, n0, _A, 0, [_B], [[0, { [_xN]: "aSet" }]]];',
      'export var B$ = [3, n0, _B, 0, [_C], [[0, { [_weird]: "b", [other]: "c" }]]];',
    ].join('\n');
    expect(inlineSchemaKeys(source).split('\n').slice(2)).toEqual([
      'export var A$ = [3, n0, _A, 0, [_B], [[0, { "xmlName": "aSet" }]]];',
      'export var B$ = [3, n0, _B, 0, [_C], [[0, { [_weird]: "b", [other]: "c" }]]];',
    ]);
  });

  // Without the rewrite this bundle held every EC2 schema: ~875 KiB, over twice the budget.
  const ec2 = bundle('test/infra/fixtures/ec2-handler.ts');

  it('keeps only the EC2 schemas a function uses, well inside the budget', () => {
    expect(statSync(join(ec2, 'index.mjs')).size).toBeLessThan(BUNDLE_BUDGET_BYTES);
  });

  it('still speaks the EC2 Query API: tags and filters survive the rewrite on the wire', async () => {
    const stand = await startEc2StandIn({ delayMs: 10 });
    try {
      const out = JSON.parse(await invoke(ec2, stand.endpoint)) as Record<string, unknown>;
      expect(out.launched).toMatch(/^i-[0-9a-f]+$/);
      expect(out.described).toBe(out.launched);
      expect(out.tags).toEqual([{ Key: 'convoy:server', Value: 'srv_bundle' }]);
    } finally {
      await stand.close();
    }
  });
});
