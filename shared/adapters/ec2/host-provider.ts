/**
 * The `HostProvider` port on EC2: one instance per server, launched from the deployment's
 * launch template and tagged with the deployment, tenant and server. EC2's error codes become
 * the port's outcomes here, so no service ever sees an SDK exception's name.
 */
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { HostPower } from '../../domain/host-sync.ts';
import { HOST_POWERS } from '../../domain/host-sync.ts';
import type { HostProvider, PowerResult, TaggedHost } from '../../services/ports.ts';
import { HOST_TAGS } from './tags.ts';

export interface Ec2HostProviderOptions {
  readonly client: EC2Client;
  /** The launch template; unset, a launch fails with a clear message (nothing else needs it). */
  readonly launchTemplateId: string | undefined;
  /** The deployment tag's value. */
  readonly deployment: string;
  /** DescribeInstances page size (EC2 allows 5–1000). @default 100 */
  readonly pageSize?: number;
}

/**
 * Codes that mean "this type, not now" (try the next type). IdempotentParameterMismatch is
 * among them: the token already launched the host with a later type in the list, and asking
 * with that type returns it.
 */
const NEXT_TYPE = new Set(['InsufficientInstanceCapacity', 'Unsupported', 'IdempotentParameterMismatch']);
const NOT_FOUND = new Set(['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed']);

interface SdkError {
  readonly name: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}
const isSdkError = (error: unknown): error is SdkError =>
  error instanceof Error && typeof (error as { $metadata?: unknown }).$metadata === 'object';
/** A 4xx that is not throttling: EC2 refused the request itself, and asking again changes nothing. */
const isRefusal = (error: SdkError): boolean => {
  const status = error.$metadata?.httpStatusCode ?? 500;
  return status >= 400 && status < 500 && error.name !== 'RequestLimitExceeded';
};

export function createEc2HostProvider(options: Ec2HostProviderOptions): HostProvider {
  const { client, deployment } = options;
  const pageSize = options.pageSize ?? 100;

  async function power(send: () => Promise<unknown>): Promise<PowerResult> {
    try {
      await send();
      return 'ok';
    } catch (error) {
      if (isSdkError(error) && error.name === 'IncorrectInstanceState') return 'incorrectState';
      if (isSdkError(error) && NOT_FOUND.has(error.name)) return 'notFound';
      throw error;
    }
  }

  return {
    async launch({ serverId, tenantId, clientToken, instanceTypes, userData }) {
      if (!options.launchTemplateId) {
        throw new Error('No launch template configured (CONVOY_LAUNCH_TEMPLATE_ID): cannot launch a host.');
      }
      const skipped: { instanceType: string; code: string }[] = [];
      for (const instanceType of instanceTypes) {
        try {
          const result = await client.send(
            new RunInstancesCommand({
              LaunchTemplate: { LaunchTemplateId: options.launchTemplateId, Version: '$Default' },
              InstanceType: instanceType as never,
              MinCount: 1,
              MaxCount: 1,
              ClientToken: clientToken,
              ...(userData !== undefined && { UserData: Buffer.from(userData).toString('base64') }),
              TagSpecifications: [
                {
                  ResourceType: 'instance',
                  Tags: [
                    { Key: HOST_TAGS.deployment, Value: deployment },
                    { Key: HOST_TAGS.tenant, Value: tenantId },
                    { Key: HOST_TAGS.server, Value: serverId },
                  ],
                },
              ],
            }),
          );
          const instanceId = result.Instances?.[0]?.InstanceId;
          if (!instanceId) throw new Error('RunInstances answered without an instance');
          // A mismatch skip is the token's own earlier launch, not a capacity shortage.
          const shortages = skipped.filter((s) => s.code !== 'IdempotentParameterMismatch');
          return { kind: 'launched', instanceId, instanceType, skipped: shortages };
        } catch (error) {
          if (!isSdkError(error)) throw error;
          if (NEXT_TYPE.has(error.name)) {
            skipped.push({ instanceType, code: error.name });
            continue;
          }
          if (isRefusal(error))
            return { kind: 'failed', code: error.name, skipped: skipped.map((s) => s.instanceType) };
          throw error;
        }
      }
      const code = skipped.at(-1)?.code ?? 'InsufficientInstanceCapacity';
      return { kind: 'failed', code, skipped: skipped.map((s) => s.instanceType) };
    },

    start: (id) => power(() => client.send(new StartInstancesCommand({ InstanceIds: [id] }))),
    stop: (id) => power(() => client.send(new StopInstancesCommand({ InstanceIds: [id] }))),
    terminate: (id) => power(() => client.send(new TerminateInstancesCommand({ InstanceIds: [id] }))),

    async describe(instanceId) {
      try {
        const result = await client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
        const instance = result.Reservations?.flatMap((r) => r.Instances ?? [])[0];
        return instance ? toHost(instance) : null;
      } catch (error) {
        if (isSdkError(error) && NOT_FOUND.has(error.name)) return null;
        throw error;
      }
    },

    async list(nextToken) {
      const result = await client.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: `tag:${HOST_TAGS.deployment}`, Values: [deployment] }],
          MaxResults: pageSize,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      const hosts = (result.Reservations ?? [])
        .flatMap((r) => r.Instances ?? [])
        .flatMap((i) => {
          const host = toHost(i);
          return host ? [host] : [];
        });
      return { hosts, nextToken: result.NextToken || null };
    },
  };
}

function toHost(instance: Instance): TaggedHost | null {
  const power = instance.State?.Name as HostPower | undefined;
  if (!instance.InstanceId || !power || !HOST_POWERS.includes(power)) return null;
  const tag = (key: string) => instance.Tags?.find((t) => t.Key === key)?.Value ?? null;
  return {
    instanceId: instance.InstanceId,
    power,
    address: instance.PublicIpAddress ?? null,
    serverId: tag(HOST_TAGS.server),
    tenantId: tag(HOST_TAGS.tenant),
  };
}
