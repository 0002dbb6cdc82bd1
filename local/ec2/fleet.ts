/**
 * The stand-in's instances and EC2's rules for them, where this project depends on them:
 * pending → running → stopping → stopped, shutting-down → terminated, each step after a short
 * delay; `ClientToken` idempotency; IncorrectInstanceState for a start, stop or terminate the
 * state does not allow; a fresh public address at each start. Tests make calls fail through
 * `injectFault` and count them through `calls`.
 */
import { randomBytes } from 'node:crypto';
import type { IssuedCredential } from '../iam.ts';
import type { Tag } from './query.ts';
import { Ec2Fault } from './query.ts';

export type InstanceStateName =
  | 'pending'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'shutting-down'
  | 'terminated';

export const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface Instance {
  readonly instanceId: string;
  readonly reservationId: string;
  readonly instanceType: string;
  readonly launchTemplateId: string | null;
  readonly clientToken: string | null;
  /** The user data the instance was launched with, decoded (the script a real host would run once). */
  readonly userData: string | null;
  readonly launchTime: string;
  readonly privateAddress: string;
  state: InstanceStateName;
  address: string | null;
  tags: Tag[];
  /** The instance role's credentials, as EC2 serves them to the instance through IMDS. */
  readonly credentials: IssuedCredential;
}

/** The host role's name in local mode (the host routes serve only this role's sessions). */
export const LOCAL_HOST_ROLE = 'convoy-local-host';
const LOCAL_ACCOUNT = '000000000000';

/** Temporary credentials of the host role, with the instance id as the session name (as EC2 does). */
function issueCredentials(instanceId: string): IssuedCredential {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(48).toString('base64'),
    userArn: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${LOCAL_HOST_ROLE}/${instanceId}`,
    userId: `AROALOCALCONVOYHOST00:${instanceId}`,
  };
}

export interface StateChange {
  readonly previous: InstanceStateName;
  readonly current: InstanceStateName;
}

export interface Fault {
  /** The EC2 action to fail, e.g. `RunInstances`. */
  readonly action: string;
  /** e.g. `InsufficientInstanceCapacity`, `RequestLimitExceeded`. */
  readonly code: string;
  /** How many of the next matching calls fail. @default 1 */
  readonly count?: number;
  /** Only RunInstances calls for this instance type. */
  readonly instanceType?: string;
}

export interface LaunchParams {
  readonly instanceType: string;
  readonly launchTemplateId: string | null;
  readonly clientToken: string | null;
  readonly tags: Tag[];
  /** The user data as given (base64), if any. */
  readonly userData: string | null;
}

/** Throttling is a 503 in EC2; the rest of the injectable faults are answered as client errors. */
const STATUS_OF: Record<string, number> = { RequestLimitExceeded: 503, InternalError: 500 };

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export class Fleet {
  readonly instances = new Map<string, Instance>();
  /** Calls per action, faulted ones included. */
  readonly calls = new Map<string, number>();
  /** Instances made (a replayed ClientToken makes none). */
  launched = 0;
  private readonly tokens = new Map<string, { instanceId: string; fingerprint: string }>();
  private readonly faults: { fault: Fault; left: number }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly listeners = new Set<(instance: Instance, change: StateChange) => void>();
  private nextAddress = 1;

  constructor(private readonly delayMs: number) {}

  onStateChange(listener: (instance: Instance, change: StateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  injectFault(fault: Fault): void {
    this.faults.push({ fault, left: fault.count ?? 1 });
  }

  /** Counts the call and throws the first injected fault that matches it. */
  enter(action: string, instanceType?: string): void {
    this.calls.set(action, (this.calls.get(action) ?? 0) + 1);
    const hit = this.faults.find(
      (f) =>
        f.left > 0 &&
        f.fault.action === action &&
        (!f.fault.instanceType || f.fault.instanceType === instanceType),
    );
    if (!hit) return;
    hit.left--;
    throw new Ec2Fault(hit.fault.code, `Injected fault: ${hit.fault.code}`, STATUS_OF[hit.fault.code] ?? 400);
  }

  run(params: LaunchParams): Instance {
    // As in EC2, a token replayed with other parameters (user data included) is a mismatch.
    const fingerprint = `${params.instanceType}/${params.launchTemplateId}/${params.userData ?? ''}`;
    if (params.clientToken) {
      const seen = this.tokens.get(params.clientToken);
      if (seen && seen.fingerprint !== fingerprint) {
        throw new Ec2Fault('IdempotentParameterMismatch', 'The client token was used with other parameters.');
      }
      if (seen) return this.instances.get(seen.instanceId) as Instance;
    }
    const instanceId = `i-${hex(9).slice(0, 17)}`;
    const instance: Instance = {
      instanceId,
      reservationId: `r-${hex(9).slice(0, 17)}`,
      instanceType: params.instanceType,
      launchTemplateId: params.launchTemplateId,
      clientToken: params.clientToken,
      userData: params.userData === null ? null : Buffer.from(params.userData, 'base64').toString('utf8'),
      launchTime: new Date().toISOString(),
      privateAddress: `10.0.${Math.floor(this.nextAddress / 250)}.${(this.nextAddress % 250) + 4}`,
      state: 'pending',
      address: null,
      tags: [...params.tags],
      credentials: issueCredentials(instanceId),
    };
    this.instances.set(instance.instanceId, instance);
    if (params.clientToken)
      this.tokens.set(params.clientToken, { instanceId: instance.instanceId, fingerprint });
    this.launched++;
    this.publish(instance, 'pending', 'pending');
    this.powerUp(instance);
    return instance;
  }

  /** The instance whose role credentials use this access key id (the local gateway's IAM check). */
  credential(accessKeyId: string): IssuedCredential | null {
    for (const instance of this.instances.values()) {
      if (instance.credentials.accessKeyId === accessKeyId && instance.state !== 'terminated') {
        return instance.credentials;
      }
    }
    return null;
  }

  /** The instances asked for, all of them known (else InvalidInstanceID.NotFound, as EC2). */
  find(ids: readonly string[]): Instance[] {
    const unknown = ids.filter((id) => !this.instances.has(id));
    if (unknown.length) {
      throw new Ec2Fault(
        'InvalidInstanceID.NotFound',
        `The instance IDs '${unknown.join(', ')}' do not exist`,
      );
    }
    return ids.map((id) => this.instances.get(id) as Instance);
  }

  /** Returns the states before and after, per instance. */
  start(ids: readonly string[]): StateChange[] {
    const instances = this.find(ids);
    this.refuse(instances, ['stopping', 'shutting-down', 'terminated'], 'started');
    return instances.map((i) => {
      const previous = i.state;
      if (previous === 'stopped') {
        this.move(i, 'pending');
        this.powerUp(i);
      }
      return { previous, current: i.state };
    });
  }

  stop(ids: readonly string[]): StateChange[] {
    const instances = this.find(ids);
    this.refuse(instances, ['pending', 'shutting-down', 'terminated'], 'stopped');
    return instances.map((i) => {
      const previous = i.state;
      if (previous === 'running') {
        this.move(i, 'stopping');
        this.after(() => {
          if (i.state !== 'stopping') return;
          i.address = null;
          this.move(i, 'stopped');
        });
      }
      return { previous, current: i.state };
    });
  }

  terminate(ids: readonly string[]): StateChange[] {
    return this.find(ids).map((i) => {
      const previous = i.state;
      if (previous !== 'terminated' && previous !== 'shutting-down') {
        this.move(i, 'shutting-down');
        this.after(() => {
          i.address = null;
          this.move(i, 'terminated');
        });
      }
      return { previous, current: i.state };
    });
  }

  /** Stops every timer: no state changes after the stand-in closes. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.listeners.clear();
  }

  private refuse(instances: Instance[], states: InstanceStateName[], verb: string): void {
    const wrong = instances.find((i) => states.includes(i.state));
    if (wrong) {
      throw new Ec2Fault(
        'IncorrectInstanceState',
        `The instance '${wrong.instanceId}' is not in a state from which it can be ${verb}.`,
      );
    }
  }

  private powerUp(instance: Instance): void {
    this.after(() => {
      if (instance.state !== 'pending') return;
      const n = this.nextAddress++;
      instance.address = `198.51.100.${(n % 254) + 1}`;
      this.move(instance, 'running');
    });
  }

  private move(instance: Instance, state: InstanceStateName): void {
    const previous = instance.state;
    instance.state = state;
    this.publish(instance, previous, state);
  }

  private publish(instance: Instance, previous: InstanceStateName, current: InstanceStateName): void {
    for (const listener of this.listeners) listener(instance, { previous, current });
  }

  private after(step: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      step();
    }, this.delayMs);
    this.timers.add(timer);
  }
}
