/**
 * How every Lambda is bundled: read by the CDK function construct and by the bundle benchmark,
 * so the sizes and import times we measure are those of what we deploy.
 */
export const LAMBDA_BUNDLING = {
  format: 'esm',
  target: 'node22',
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

/**
 * The budget of functions that touch game hosts. `@aws-sdk/client-ec2` brings its whole schema
 * registry (measured: ~540 KiB of its 1.3 MB `schemas_0.js` survive tree-shaking), so these
 * bundles weigh ~880 KiB however little of EC2 they call. Only start, stop, delete and the EC2
 * sync pay it; every other function keeps the 400 KiB budget.
 */
export const HOST_BUNDLE_BUDGET_BYTES = 1024 * 1024;
