import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpIamAuthorizer,
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import pkg from '../../package.json' with { type: 'json' };
import { DEFAULT_INSTANCE_TYPES, ENV } from '../../shared/config/env-names.ts';
import { InstanceTypeSchema } from '../../shared/domain/server.ts';
import { parsePriceTable } from '../../shared/domain/usage.ts';
import { AUTHORIZER, AUTHORIZER_CACHE_SECONDS, ROUTES } from '../../shared/http/routes.ts';
import { acknowledgeRule } from '../nag.ts';
import { ConvoyFunction } from './convoy-function.ts';
import type { GameHosts } from './game-hosts.ts';

export interface ConvoyHttpApiProps {
  readonly table: ITable;
  /**
   * The game hosts; a function gets host permissions and settings as its route's `hosts` says.
   * @default - a route that names host access fails synth
   */
  readonly hosts?: GameHosts;
  /** The package bucket; granted to a function as its route's `bucket` says. */
  readonly bucket: IBucket;
  /**
   * The EC2 instance types a server may use; the first is the default for new servers.
   * @default DEFAULT_INSTANCE_TYPES
   */
  readonly instanceTypes?: readonly string[];
  /**
   * The price table for usage estimates, as JSON (`PriceTableSchema`); set on the usage functions.
   * @default - the built-in table (`DEFAULT_PRICES`)
   */
  readonly prices?: string;
  /**
   * The version the functions report.
   * @default - `version` from package.json
   */
  readonly version?: string;
}

/**
 * The HTTP API: one function and one route per entry of `ROUTES`, so the deployed API and the
 * local runtime serve the same table. Routes marked `apiKey` share one authorizer.
 */
export class ConvoyHttpApi extends Construct {
  readonly api: HttpApi;
  /** The default stage's access log: one JSON line per request. */
  readonly accessLogs: LogGroup;
  /** Every function of the API by route name, the authorizer's under `AUTHORIZER.name`. */
  readonly functions: ReadonlyMap<string, ConvoyFunction>;

  constructor(scope: Construct, id: string, props: ConvoyHttpApiProps) {
    super(scope, id);
    const instanceTypes = props.instanceTypes ?? DEFAULT_INSTANCE_TYPES;
    const invalid = instanceTypes.filter((type) => !InstanceTypeSchema.safeParse(type).success);
    if (instanceTypes.length === 0 || invalid.length > 0) {
      throw new Error(
        `instanceTypes must be a non-empty list of EC2 instance types, got: ${instanceTypes.join(',')}`,
      );
    }
    // A bad price table fails synth, not the first usage request.
    if (props.prices !== undefined) parsePriceTable(props.prices);
    const common = { table: props.table, version: props.version ?? pkg.version };
    const functions = new Map<string, ConvoyFunction>();

    const authorizerFunction = new ConvoyFunction(this, AUTHORIZER.name, {
      ...common,
      entry: AUTHORIZER.entry,
      tableAccess: AUTHORIZER.table,
    });
    functions.set(AUTHORIZER.name, authorizerFunction);
    const authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', authorizerFunction.function, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
    });

    this.api = new HttpApi(this, 'Api', { description: 'Convoy server control plane' });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // One JSON line per request, with the caller's tenant and key (the authorizer's context) for
    // Logs Insights; HTTP APIs write access logs through their service-linked role.
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: this.accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        time: '$context.requestTime',
        ip: '$context.identity.sourceIp',
        method: '$context.httpMethod',
        route: '$context.routeKey',
        path: '$context.path',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        bytes: '$context.responseLength',
        tenantId: '$context.authorizer.tenantId',
        keyId: '$context.authorizer.keyId',
        authorizerError: '$context.authorizer.error',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    // Game hosts sign with their instance role (SigV4); API Gateway checks the signature and the
    // role's execute-api:Invoke permission, which names exactly the `iam` routes (below).
    const iamAuthorizer = new HttpIamAuthorizer();
    const iamRoutes = ROUTES.filter((route) => route.auth === 'iam');
    if (iamRoutes.length > 0 && !props.hosts) {
      throw new Error(
        `routes ${iamRoutes.map((r) => r.name).join(', ')} are for game hosts but the API has no hosts`,
      );
    }

    for (const route of ROUTES) {
      const fn = new ConvoyFunction(this, route.name, {
        ...common,
        entry: route.entry,
        tableAccess: route.table,
        bucket: props.bucket,
        bucketAccess: route.bucket,
        environment: {
          [ENV.instanceTypes]: instanceTypes.join(','),
          ...(route.hosts?.length && props.hosts ? props.hosts.environment() : {}),
          ...(route.auth === 'iam' && props.hosts ? { [ENV.hostRoleName]: props.hosts.role.roleName } : {}),
          ...(props.prices !== undefined && route.entry.startsWith('functions/usage/')
            ? { [ENV.prices]: props.prices }
            : {}),
        },
      });
      if (route.hosts?.length) {
        if (!props.hosts) throw new Error(`route ${route.name} needs host access but the API has no hosts`);
        props.hosts.grant(fn.function, route.hosts);
      }
      functions.set(route.name, fn);
      const httpRoute = new HttpRoute(this, `${route.name}-route`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: new HttpLambdaIntegration(`${route.name}-integration`, fn.function),
        authorizer: route.auth === 'apiKey' ? authorizer : route.auth === 'iam' ? iamAuthorizer : undefined,
      });
      if (route.auth === 'none') {
        acknowledgeRule(
          httpRoute,
          'APIG4',
          `${route.method} ${route.path} is public by design (the route table says auth 'none'): ` +
            'it reveals nothing of any tenant and writes nothing.',
        );
      }
    }
    this.functions = functions;

    if (props.hosts && iamRoutes.length > 0) {
      // A Policy of this stack attached to the hosts stack's role: the role's own default policy
      // would make the hosts stack depend on this API, which already depends on the hosts.
      new Policy(this, 'HostInvokePolicy', {
        roles: [props.hosts.role],
        statements: [
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ['execute-api:Invoke'],
            // The one stage an HTTP API of ours has: `$default`, not every stage (`*`).
            resources: iamRoutes.map((route) =>
              this.api.arnForExecuteApi(route.method, route.path, '$default'),
            ),
          }),
        ],
      });
    }
  }
}
