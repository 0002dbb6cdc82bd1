/**
 * How every Lambda is bundled: `bundleLambda` is what the CDK function construct deploys (through
 * `bundle-cli.ts`) and what the bundle benchmark measures, so the sizes and import times we
 * report are those of what we deploy.
 */
import { build } from 'esbuild';
import { sdkSchemaKeys } from './sdk-schema-keys.ts';

export const LAMBDA_BUNDLING = {
  format: 'esm',
  target: 'node24',
  platform: 'node',
  minify: true,
  /**
   * The AWS SDK is bundled: a bundled client imports faster than the runtime's copy. Left out
   * are only the credential providers that the SDK's default chain imports lazily *after*
   * `fromEnv`: a Lambda always has its role's credentials in the environment, so they are never
   * loaded (and were one ever needed, the runtime's own SDK has them). They are ~60 KB.
   */
  externalModules: [
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-web-identity',
    '@aws-sdk/credential-provider-login',
    '@aws-sdk/nested-clients',
    '@aws-sdk/token-providers',
  ] as string[],
  mainFields: ['module', 'main'],
  /** Some CommonJS dependencies call `require`, which an ES module does not have. */
  banner: "import{createRequire}from'module';const require=createRequire(import.meta.url);",
} as const;

/** Bundles above this fail the budget check (`npm run bench -- --check`, run in CI). */
export const BUNDLE_BUDGET_BYTES = 400 * 1024;

export interface BundleOptions {
  /** Write `<outfile>.map` beside the bundle (mappings only, no sources). @default false */
  readonly sourcemap?: boolean;
}

/** Bundles one Lambda entry point (an absolute path) into one minified ES module. */
export async function bundleLambda(
  entry: string,
  outfile: string,
  options: BundleOptions = {},
): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: LAMBDA_BUNDLING.format,
    platform: LAMBDA_BUNDLING.platform,
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    external: [...LAMBDA_BUNDLING.externalModules],
    banner: { js: LAMBDA_BUNDLING.banner },
    // Stack traces need only the mappings; embedded sources would bloat every asset.
    ...(options.sourcemap && { sourcemap: true, sourcesContent: false }),
    plugins: [sdkSchemaKeys],
    logLevel: 'error',
  });
}
