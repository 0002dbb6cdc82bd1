/**
 * The EC2 stand-in's HTTP server on loopback: `POST /` with an EC2 Query action for the SDK,
 * and, for tests and local tools only, `GET /local/state` (calls per action, instances) and
 * `POST /local/faults` (make the next calls of an action fail).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fault, Instance, StateChange } from './fleet.ts';
import { Fleet, STATE_CODES } from './fleet.ts';
import type { Filter, Params } from './query.ts';
import {
  Ec2Fault,
  el,
  errorXml,
  filtersOf,
  instanceTagsOf,
  items,
  listParam,
  parseForm,
  responseXml,
} from './query.ts';

export interface Ec2StandIn {
  /** e.g. `http://127.0.0.1:41234` */
  readonly endpoint: string;
  readonly fleet: Fleet;
  close(): Promise<void>;
}

export interface Ec2StandInOptions {
  /** How long each pending/stopping/shutting-down step lasts. @default 500 */
  readonly delayMs?: number;
  /** @default 0 (a free port) */
  readonly port?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function startEc2StandIn(options: Ec2StandInOptions = {}): Promise<Ec2StandIn> {
  const fleet = new Fleet(options.delayMs ?? 500);
  const server = createServer((request, response) => {
    handle(fleet, request, response).catch((error: unknown) => {
      send(response, 500, 'text/xml', errorXml('InternalError', (error as Error).message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    fleet,
    close: () =>
      new Promise<void>((resolve) => {
        fleet.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(fleet: Fleet, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path === '/local/state' && request.method === 'GET') {
    send(response, 200, 'application/json', JSON.stringify(stateOf(fleet)));
    return;
  }
  if (path === '/local/faults' && request.method === 'POST') {
    const fault = JSON.parse(body) as Fault;
    if (typeof fault.action !== 'string' || typeof fault.code !== 'string') {
      send(response, 400, 'application/json', JSON.stringify({ error: 'need action and code' }));
      return;
    }
    fleet.injectFault(fault);
    send(response, 204, 'application/json', '');
    return;
  }
  if (request.method !== 'POST') {
    send(response, 405, 'text/plain', 'EC2 Query requests are POSTs');
    return;
  }
  const params = parseForm(body);
  const action = params.get('Action') ?? '';
  try {
    send(response, 200, 'text/xml', responseXml(action, dispatch(fleet, action, params)));
  } catch (error) {
    if (!(error instanceof Ec2Fault)) throw error;
    send(response, error.status, 'text/xml', errorXml(error.code, error.message));
  }
}

function dispatch(fleet: Fleet, action: string, params: Params): string[] {
  switch (action) {
    case 'RunInstances': {
      const instanceType = params.get('InstanceType') ?? 'm1.small';
      fleet.enter(action, instanceType);
      if (params.get('MinCount') !== '1' || params.get('MaxCount') !== '1') {
        throw new Ec2Fault('InvalidParameterValue', 'The stand-in launches one instance at a time.');
      }
      const instance = fleet.run({
        instanceType,
        launchTemplateId: params.get('LaunchTemplate.LaunchTemplateId') ?? null,
        clientToken: params.get('ClientToken') ?? null,
        tags: instanceTagsOf(params),
        userData: params.get('UserData') ?? null,
      });
      return [
        el('reservationId', instance.reservationId),
        el('ownerId', '000000000000'),
        el('groupSet', null),
        el('instancesSet', items([renderInstance(instance)])),
      ];
    }
    case 'StartInstances':
    case 'StopInstances':
    case 'TerminateInstances': {
      fleet.enter(action);
      const ids = listParam(params, 'InstanceId');
      const changes =
        action === 'StartInstances'
          ? fleet.start(ids)
          : action === 'StopInstances'
            ? fleet.stop(ids)
            : fleet.terminate(ids);
      return [el('instancesSet', items(changes.map((change, i) => renderChange(ids[i] as string, change))))];
    }
    case 'DescribeInstances':
      fleet.enter(action);
      return describe(fleet, params);
    case 'CreateTags': {
      fleet.enter(action);
      const instances = fleet.find(listParam(params, 'ResourceId'));
      for (let j = 1; params.has(`Tag.${j}.Key`); j++) {
        const key = params.get(`Tag.${j}.Key`) as string;
        const value = params.get(`Tag.${j}.Value`) ?? '';
        for (const instance of instances)
          instance.tags = [...instance.tags.filter((t) => t.key !== key), { key, value }];
      }
      return [el('return', 'true')];
    }
    default:
      throw new Ec2Fault('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
}

/** Paged by instance (each stand-in reservation holds one); NextToken is the next offset. */
function describe(fleet: Fleet, params: Params): string[] {
  const ids = listParam(params, 'InstanceId');
  const maxResults = params.has('MaxResults') ? Number(params.get('MaxResults')) : null;
  if (
    maxResults !== null &&
    (ids.length || !Number.isInteger(maxResults) || maxResults < 5 || maxResults > 1000)
  ) {
    throw new Ec2Fault(
      'InvalidParameterValue',
      'MaxResults must be 5 to 1000, and cannot go with instance IDs.',
    );
  }
  const filters = filtersOf(params);
  const all = (ids.length ? fleet.find(ids) : [...fleet.instances.values()]).filter((i) =>
    filters.every((f) => matches(i, f)),
  );
  const offset = params.get('NextToken')
    ? Number(Buffer.from(params.get('NextToken') as string, 'base64url').toString())
    : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new Ec2Fault('InvalidParameterValue', 'Bad NextToken.');
  const page = maxResults === null ? all.slice(offset) : all.slice(offset, offset + maxResults);
  const next =
    offset + page.length < all.length
      ? Buffer.from(String(offset + page.length)).toString('base64url')
      : null;
  const reservations = page.map((i) =>
    [
      el('reservationId', i.reservationId),
      el('ownerId', '000000000000'),
      el('groupSet', null),
      el('instancesSet', items([renderInstance(i)])),
    ].join(''),
  );
  return [el('reservationSet', items(reservations)), ...(next ? [el('nextToken', next)] : [])];
}

function matches(instance: Instance, filter: Filter): boolean {
  const values = filter.values;
  if (filter.name.startsWith('tag:')) {
    const key = filter.name.slice(4);
    return instance.tags.some((t) => t.key === key && values.includes(t.value));
  }
  switch (filter.name) {
    case 'tag-key':
      return instance.tags.some((t) => values.includes(t.key));
    case 'instance-state-name':
      return values.includes(instance.state);
    case 'instance-id':
      return values.includes(instance.instanceId);
    case 'instance-type':
      return values.includes(instance.instanceType);
    case 'client-token':
      return instance.clientToken !== null && values.includes(instance.clientToken);
    default:
      throw new Ec2Fault(
        'InvalidParameterValue',
        `The filter '${filter.name}' is not supported by the stand-in.`,
      );
  }
}

const renderState = (tag: string, name: keyof typeof STATE_CODES) =>
  el(tag, [el('code', STATE_CODES[name]), el('name', name)]);

function renderInstance(i: Instance): string {
  return [
    el('instanceId', i.instanceId),
    el('imageId', 'ami-0local0000000000'),
    renderState('instanceState', i.state),
    el('privateDnsName', null),
    el('dnsName', null),
    el('amiLaunchIndex', 0),
    el('instanceType', i.instanceType),
    el('launchTime', i.launchTime),
    el('placement', [el('availabilityZone', 'local-1a')]),
    el('privateIpAddress', i.privateAddress),
    ...(i.address ? [el('ipAddress', i.address)] : []),
    ...(i.clientToken ? [el('clientToken', i.clientToken)] : []),
    el('tagSet', items(i.tags.map((t) => el('key', t.key) + el('value', t.value)))),
  ].join('');
}

const renderChange = (instanceId: string, change: StateChange) =>
  [
    el('instanceId', instanceId),
    renderState('currentState', change.current),
    renderState('previousState', change.previous),
  ].join('');

function stateOf(fleet: Fleet) {
  return {
    calls: Object.fromEntries(fleet.calls),
    launched: fleet.launched,
    instances: [...fleet.instances.values()].map((i) => ({
      instanceId: i.instanceId,
      state: i.state,
      instanceType: i.instanceType,
      address: i.address,
      clientToken: i.clientToken,
      userData: i.userData,
      tags: Object.fromEntries(i.tags.map((t) => [t.key, t.value])),
    })),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY_BYTES) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
