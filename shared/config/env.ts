/** Configuration from the environment, parsed once at cold start; a bad value fails fast by name. */
import { InstanceTypeSchema } from '../domain/server.ts';
import { issuesOf } from '../domain/validation.ts';
import * as z from '../domain/zod.ts';
import { DEFAULT_INSTANCE_TYPES, ENV } from './env-names.ts';

const csv = z.pipe(
  z.string(),
  z.transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ),
);

const RuntimeEnvSchema = z.object({
  [ENV.tableName]: z.string().check(z.minLength(1)),
  [ENV.dynamodbEndpoint]: z.optional(z.url()),
  [ENV.instanceTypes]: z._default(z.pipe(csv, z.array(InstanceTypeSchema).check(z.minLength(1))), [
    ...DEFAULT_INSTANCE_TYPES,
  ]),
  [ENV.version]: z._default(z.string(), '0.0.0-dev'),
  [ENV.local]: z._default(z.stringbool(), false),
  [ENV.ec2Endpoint]: z.optional(z.url()),
  [ENV.launchTemplateId]: z.optional(
    z.string().check(z.regex(/^lt-[0-9a-z]+$/, 'must be a launch template id (lt-...)')),
  ),
  [ENV.deployment]: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a plain name')),
    'convoy',
  ),
  [ENV.hostTimeoutSeconds]: z._default(
    z.pipe(z.pipe(z.string(), z.transform(Number)), z.int().check(z.gte(1))),
    900,
  ),
  [ENV.bucketName]: z.optional(z.string().check(z.minLength(1))),
  [ENV.s3Endpoint]: z.optional(z.url()),
  [ENV.hostRoleName]: z.optional(z.string().check(z.minLength(1))),
  [ENV.agentUrl]: z.optional(z.url()),
  [ENV.agentSha256]: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'))),
  [ENV.apiUrl]: z.optional(z.url()),
  AWS_REGION: z._default(z.string(), 'us-east-1'),
});

export interface RuntimeConfig {
  readonly tableName: string;
  readonly dynamodbEndpoint: string | undefined;
  readonly region: string;
  readonly instanceTypes: readonly [string, ...string[]];
  readonly version: string;
  readonly local: boolean;
  readonly ec2Endpoint: string | undefined;
  /** Unset where no host is ever launched (e.g. the keys CLI); a launch without it fails loudly. */
  readonly launchTemplateId: string | undefined;
  readonly deployment: string;
  readonly hostTimeoutSeconds: number;
  /** Unset on functions without bucket access; the package composition fails fast without it. */
  readonly bucketName: string | undefined;
  readonly s3Endpoint: string | undefined;
  /** Set on the host routes' functions only; unset, they refuse every caller. */
  readonly hostRoleName: string | undefined;
  /**
   * What a launch renders into a new host's user data; set together on the functions that launch
   * (all three, or the lifecycle refuses to build outside local mode).
   */
  readonly hostBootstrap:
    | { readonly agentUrl: string; readonly agentSha256: string; readonly apiUrl: string }
    | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const result = RuntimeEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = issuesOf(result.error).map((i) => `${i.path}: ${i.message}`);
    throw new Error(`Invalid environment: ${problems.join('; ')}`);
  }
  const e = result.data;
  const [first, ...rest] = e[ENV.instanceTypes];
  return {
    tableName: e[ENV.tableName],
    dynamodbEndpoint: e[ENV.dynamodbEndpoint],
    region: e.AWS_REGION,
    instanceTypes: [first as string, ...rest],
    version: e[ENV.version],
    local: e[ENV.local],
    ec2Endpoint: e[ENV.ec2Endpoint],
    launchTemplateId: e[ENV.launchTemplateId],
    deployment: e[ENV.deployment],
    hostTimeoutSeconds: e[ENV.hostTimeoutSeconds],
    bucketName: e[ENV.bucketName],
    s3Endpoint: e[ENV.s3Endpoint],
    hostRoleName: e[ENV.hostRoleName],
    hostBootstrap: hostBootstrapOf(e[ENV.agentUrl], e[ENV.agentSha256], e[ENV.apiUrl]),
  };
}

function hostBootstrapOf(
  agentUrl: string | undefined,
  agentSha256: string | undefined,
  apiUrl: string | undefined,
): RuntimeConfig['hostBootstrap'] {
  return agentUrl && agentSha256 && apiUrl ? { agentUrl, agentSha256, apiUrl } : undefined;
}
