/**
 * EventBridge's "EC2 Instance State-change Notification" (the local runtime sends the same
 * event from the EC2 stand-in). The event only says which instance changed: events arrive late
 * and out of order, so the sync asks DynamoDB whose instance it is and EC2 how it is now.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { lazyHandler } from '../../shared/composition.ts';
import { hostServices } from '../../shared/host-composition.ts';
import { logger } from '../../shared/http/logger.ts';
import type { LifecycleService } from '../../shared/services/lifecycle.ts';

export type StateChangeEvent = EventBridgeEvent<
  'EC2 Instance State-change Notification',
  { readonly 'instance-id': string; readonly state: string }
>;

/** What an EC2 instance id looks like; anything else in an event names no host of ours. */
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

export const createHandler =
  (lifecycle: Pick<LifecycleService, 'syncInstance'>) =>
  async (event: StateChangeEvent): Promise<{ instanceId: string; action: string }> => {
    const instanceId: unknown = event?.detail?.['instance-id'];
    if (typeof instanceId !== 'string' || !INSTANCE_ID.test(instanceId)) {
      // A retry (EventBridge retries a throw) would read the same event: log it and let it go.
      logger.error('ec2 state change without an instance id; ignored', {
        event: String(JSON.stringify(event)).slice(0, 500),
      });
      return { instanceId: '', action: 'ignored' };
    }
    const action = await lifecycle.syncInstance(instanceId, 'system');
    logger.info('ec2 state change', { instanceId, state: event.detail.state, action });
    return { instanceId, action };
  };

export const handler = lazyHandler(() => createHandler(hostServices().lifecycle));
