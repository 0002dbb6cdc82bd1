import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import pkg from '../../package.json' with { type: 'json' };
import { DEFAULT_INSTANCE_TYPES } from '../../shared/config/env-names.ts';
import { ROUTES } from '../../shared/http/routes.ts';
import { WEBHOOK_FUNCTIONS } from '../../shared/runtime/webhook-functions.ts';
import type { GameHosts } from '../constructs/game-hosts.ts';
import { HostSync } from '../constructs/host-sync.ts';
import { ConvoyHttpApi } from '../constructs/http-api.ts';
import { Monitoring } from '../constructs/monitoring.ts';
import { ReaperAlarms } from '../constructs/reaper-alarms.ts';
import { Schedules } from '../constructs/schedules.ts';
import { WebhookDelivery } from '../constructs/webhook-delivery.ts';
import type { BucketExport } from './data-stack.ts';

export interface ApiStackProps extends StackProps {
  readonly table: ITable;
  /**
   * The game hosts, for the functions whose route grants `hosts` access.
   * @default - no route may touch hosts
   */
  readonly hosts?: GameHosts;
  /** The mod package bucket (the data stack's exports), for the functions whose route grants `bucket` access. */
  readonly bucket: BucketExport;
  /**
   * The EC2 instance types a server may use; the first is the default for new servers.
   * @default - the API construct's default list
   */
  readonly instanceTypes?: readonly string[];
  /**
   * The price table for usage estimates, as JSON (`PriceTableSchema`), over the defaults.
   * @default - us-east-1 on-demand prices of the default instance types, IPv4 and a 30 GB gp3 volume
   */
  readonly prices?: string;
  /**
   * An email address the alarm topic notifies.
   * @default - no subscriber (subscribe a pager to the topic)
   */
  readonly alarmEmail?: string;
}

/**
 * Everything that runs code: the HTTP API and its functions, and the jobs no route invokes (EC2
 * sync, reconciler, idle reaper, scheduled starts). Stateless compute: safe to destroy and
 * redeploy, since everything it remembers lives in the data stack. The jobs live here rather
 * than beside the hosts because the ones that launch hosts render the API's URL into the hosts'
 * bootstrap, and the API already depends on the hosts stack.
 */
export class ApiStack extends Stack {
  readonly httpApi: ConvoyHttpApi;
  /** The jobs, when the API has game hosts. */
  readonly sync: HostSync | undefined;
  readonly reaperAlarms: ReaperAlarms | undefined;
  readonly schedules: Schedules | undefined;
  readonly webhooks: WebhookDelivery;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    this.httpApi = new ConvoyHttpApi(this, 'Http', {
      table: props.table,
      bucket: Bucket.fromBucketAttributes(this, 'Packages', props.bucket),
      instanceTypes: props.instanceTypes,
      hosts: props.hosts,
      prices: props.prices,
    });
    const apiUrl = this.httpApi.api.apiEndpoint;
    if (props.hosts) {
      this.sync = new HostSync(this, 'Sync', {
        table: props.table,
        hosts: props.hosts,
        instanceTypes: props.instanceTypes ?? DEFAULT_INSTANCE_TYPES,
        version: pkg.version,
        apiUrl,
      });
      const reaper = this.sync.functions.get('idle-reaper');
      if (!reaper) throw new Error('the idle-reaper job is missing from JOBS');
      this.reaperAlarms = new ReaperAlarms(this, 'ReaperAlarms', { function: reaper.function });
      const fire = this.sync.functions.get('schedule-fire');
      if (!fire) throw new Error('the schedule-fire job is missing from JOBS');
      this.schedules = new Schedules(this, 'Schedules', { target: fire.function });
    }
    // Routes that launch hosts render the bootstrap, which names this API's URL.
    for (const route of ROUTES.filter((r) => r.hosts?.includes('launch'))) {
      const fn = this.httpApi.functions.get(route.name)?.function;
      if (!fn || !props.hosts) throw new Error(`route ${route.name} launches hosts but the API has none`);
      for (const [name, value] of Object.entries(props.hosts.bootstrapEnvironment(apiUrl))) {
        fn.addEnvironment(name, value);
      }
    }
    for (const route of ROUTES.filter((r) => r.schedules === 'manage')) {
      const fn = this.httpApi.functions.get(route.name)?.function;
      if (!fn || !this.schedules)
        throw new Error(`route ${route.name} manages schedules but the API has none`);
      this.schedules.grantManage(fn);
      for (const [name, value] of Object.entries(this.schedules.environment()))
        fn.addEnvironment(name, value);
    }
    this.webhooks = new WebhookDelivery(this, 'Webhooks', { table: props.table, version: pkg.version });

    // The reaper has alarms of its own (ReaperAlarms); the other jobs page on errors here.
    const jobs = new Map([...(this.sync?.functions ?? [])].filter(([name]) => name !== 'idle-reaper'));
    jobs.set(WEBHOOK_FUNCTIONS.dispatch.name, this.webhooks.dispatcher);
    jobs.set(WEBHOOK_FUNCTIONS.deliver.name, this.webhooks.deliverer);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      api: this.httpApi.api,
      table: props.table,
      jobs: new Map([...jobs].map(([name, fn]) => [name, fn.function])),
      ...(this.sync?.functions.get('idle-reaper')
        ? { reaper: this.sync.functions.get('idle-reaper')?.function }
        : {}),
      deliveries: { queue: this.webhooks.queue, deadLetters: this.webhooks.deadLetters },
      alarms: [
        this.webhooks.deadLetterAlarm,
        ...(this.reaperAlarms
          ? [this.reaperAlarms.errors, this.reaperAlarms.duration, this.reaperAlarms.notRunning]
          : []),
      ],
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.api.apiEndpoint });
  }
}
