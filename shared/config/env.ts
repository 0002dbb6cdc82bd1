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
  AWS_REGION: z._default(z.string(), 'us-east-1'),
});

export interface RuntimeConfig {
  readonly tableName: string;
  readonly dynamodbEndpoint: string | undefined;
  readonly region: string;
  readonly instanceTypes: readonly [string, ...string[]];
  readonly version: string;
  readonly local: boolean;
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
  };
}
