/**
 * Server use cases: create, read, change, delete. Every write is conditional on the version it
 * read; every change is recorded as an event with its actor. Secrets never leave as values.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../domain/api-key.ts';
import {
  ConcurrentModificationError,
  ConflictError,
  ForbiddenError,
  IdempotencyKeyTakenError,
  PreconditionFailedError,
  UnprocessableError,
  ValidationError,
} from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type {
  CreateServerRequest,
  Game,
  PatchServerRequest,
  ServerRecord,
  ServerView,
} from '../domain/server.ts';
import {
  DEFAULT_CONFIG,
  DEFAULT_IDLE,
  etagOf,
  mergeConfig,
  mergeIdle,
  toServerView,
} from '../domain/server.ts';
import { transition } from '../domain/server-state.ts';
import { renderServerConfig } from '../domain/sii/server-config.ts';
import type { Clock, PackageCatalog, Page, PageRequest, ServerEvent, ServerRepository } from './ports.ts';
import { loadServer } from './server-access.ts';

export interface ServerServiceDeps {
  readonly servers: ServerRepository;
  readonly packages: PackageCatalog;
  readonly clock: Clock;
  /** The deployment's allow-list; the first entry is the default. */
  readonly instanceTypes: readonly [string, ...string[]];
  /**
   * Called once a delete has moved a server with a host to `deleting`: terminates the host
   * (`LifecycleService.terminateHost`); its terminated event then removes the server.
   * @default - nothing (tests without hosts)
   */
  readonly onDeleting?: (server: ServerRecord, actor: string) => Promise<void>;
}

export interface CreateResult {
  readonly status: 201;
  readonly server: ServerView;
  readonly body: string;
  /** True when an `Idempotency-Key` replayed an earlier response. */
  readonly replayed: boolean;
}

/** How often a PATCH without `If-Match` re-reads and re-applies itself after losing a race. */
const PATCH_RETRIES = 5;

export function createServerService(deps: ServerServiceDeps) {
  const { servers, clock } = deps;

  /** The caller's server, or 404 when it belongs to another tenant or to no key restriction. */
  const load = (principal: Principal, id: string): Promise<ServerRecord> =>
    loadServer(servers, principal, id);

  function checkInstanceType(instanceType: string): void {
    if (!deps.instanceTypes.includes(instanceType)) {
      throw new ValidationError('The instance type is not offered by this deployment.', [
        { path: 'instanceType', message: `must be one of ${deps.instanceTypes.join(', ')}` },
      ]);
    }
  }

  async function checkPackage(tenantId: string, packageId: string | null | undefined, game: Game) {
    if (!packageId) return;
    const pkg = await deps.packages.find(tenantId, packageId);
    const issue = !pkg
      ? 'does not name a package of yours'
      : pkg.game !== game
        ? `is a package for ${pkg.game}, not ${game}`
        : pkg.state !== 'ready'
          ? `is ${pkg.state}, not ready`
          : null;
    if (issue) {
      throw new UnprocessableError('The mod package cannot be used.', [
        { path: 'packageId', message: issue },
      ]);
    }
  }

  const event = (type: string, actor: string, detail: Record<string, unknown> = {}): ServerEvent => ({
    at: clock.now().toISOString(),
    type,
    actor,
    detail,
  });

  return {
    async create(
      principal: Principal,
      request: CreateServerRequest,
      idempotencyKey?: string,
    ): Promise<CreateResult> {
      if (principal.servers !== null) {
        throw new ForbiddenError('A key restricted to some servers cannot create servers.');
      }
      const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('hex');
      if (idempotencyKey) {
        const replay = await replayed(principal.tenantId, idempotencyKey, fingerprint);
        if (replay) return replay;
      }

      const instanceType = request.instanceType ?? deps.instanceTypes[0];
      checkInstanceType(instanceType);
      await checkPackage(principal.tenantId, request.packageId, request.game);
      const now = clock.now().toISOString();
      const server: ServerRecord = {
        id: newId('srv', clock.now().getTime()),
        tenantId: principal.tenantId,
        name: request.name,
        game: request.game,
        state: 'stopped',
        stateReason: null,
        config: mergeConfig({ ...DEFAULT_CONFIG, lobbyName: request.name }, request.config),
        packageId: request.packageId ?? null,
        branch: request.branch ?? 'public',
        instanceType,
        idle: mergeIdle(DEFAULT_IDLE, request.idle),
        runtime: null,
        instanceId: null,
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      const view = toServerView(server);
      const body = JSON.stringify(view);
      try {
        await servers.create(
          server,
          event('server.created', principal.keyId, { name: server.name, game: server.game }),
          idempotencyKey ? { key: idempotencyKey, fingerprint, status: 201, body } : undefined,
        );
      } catch (error) {
        if (error instanceof IdempotencyKeyTakenError && idempotencyKey) {
          const replay = await replayed(principal.tenantId, idempotencyKey, fingerprint);
          if (replay) return replay;
        }
        throw error;
      }
      return { status: 201, server: view, body, replayed: false };
    },

    async get(principal: Principal, id: string): Promise<ServerView> {
      return toServerView(await load(principal, id));
    },

    async list(principal: Principal, page: PageRequest): Promise<Page<ServerView>> {
      if (principal.servers !== null) {
        // A restricted key lists only its servers: a handful of Gets, no tenant-wide query.
        const found = await Promise.all(principal.servers.map((id) => servers.get(principal.tenantId, id)));
        const items = found
          .filter((s): s is ServerRecord => s !== null)
          .sort((a, b) => b.id.localeCompare(a.id));
        return { items: items.map(toServerView), nextCursor: null };
      }
      const result = await servers.list(principal.tenantId, page);
      return { items: result.items.map(toServerView), nextCursor: result.nextCursor };
    },

    /**
     * Applies a JSON merge patch. With `ifMatch` the write is conditional on that exact version
     * (412 otherwise); without it, a lost race re-reads and re-applies the patch.
     */
    async patch(
      principal: Principal,
      id: string,
      request: PatchServerRequest,
      ifMatch?: string,
    ): Promise<ServerView> {
      for (let attempt = 0; ; attempt++) {
        const current = await load(principal, id);
        if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etagOf(current.version)) {
          throw new PreconditionFailedError(
            `The server has changed (it is now at ${etagOf(current.version)}); fetch it and retry.`,
          );
        }
        if (current.state === 'deleting') throw new ConflictError('The server is being deleted.');
        if (request.instanceType !== undefined) checkInstanceType(request.instanceType);
        if (request.packageId) await checkPackage(principal.tenantId, request.packageId, current.game);

        const next: ServerRecord = {
          ...current,
          name: request.name ?? current.name,
          packageId: request.packageId === undefined ? current.packageId : request.packageId,
          branch: request.branch ?? current.branch,
          instanceType: request.instanceType ?? current.instanceType,
          idle: mergeIdle(current.idle, request.idle),
          config: mergeConfig(current.config, request.config),
          updatedAt: clock.now().toISOString(),
          version: current.version + 1,
        };
        const changed = changedFields(request);
        try {
          await servers.update(next, current.version, event('server.updated', principal.keyId, { changed }), {
            previousPackageId: current.packageId,
          });
          return toServerView(next);
        } catch (error) {
          const retry = ifMatch === undefined && attempt < PATCH_RETRIES;
          if (error instanceof ConcurrentModificationError) {
            if (retry) continue;
            if (ifMatch !== undefined) {
              throw new PreconditionFailedError(
                'The server changed while this update was applied; fetch it and retry.',
              );
            }
            throw new ConcurrentModificationError(
              'The server is being changed by other requests at the same time; retry in a moment.',
              { cause: error },
            );
          }
          throw error;
        }
      }
    },

    /**
     * Deletes a server. One that never had a host goes at once (`gone: true`); one with a host
     * moves to `deleting` and the host is terminated (the EC2 lifecycle finishes the delete).
     */
    async remove(principal: Principal, id: string): Promise<{ gone: boolean; server: ServerView }> {
      const current = await load(principal, id);
      const step = transition(current.state, { type: 'delete', hasHost: current.instanceId !== null });
      switch (step.kind) {
        case 'remove':
          await servers.remove(current, current.version);
          return { gone: true, server: toServerView(current) };
        case 'unchanged':
          return { gone: false, server: toServerView(current) };
        case 'rejected':
          throw new ConflictError(step.detail);
        case 'move': {
          const next: ServerRecord = {
            ...current,
            state: step.to,
            stateReason: 'user',
            updatedAt: clock.now().toISOString(),
            version: current.version + 1,
          };
          await servers.update(
            next,
            current.version,
            event(`state.${step.to}`, principal.keyId, { from: current.state }),
          );
          if (step.effect === 'terminate') await deps.onDeleting?.(next, principal.keyId);
          return { gone: false, server: toServerView(next) };
        }
      }
    },

    /** The `server_config.sii` the next start will use, with secrets redacted. */
    async configPreview(principal: Principal, id: string): Promise<string> {
      const server = await load(principal, id);
      return renderServerConfig(server.config, { redactSecrets: true });
    },

    async events(principal: Principal, id: string, page: PageRequest): Promise<Page<ServerEvent>> {
      await load(principal, id);
      return servers.events(id, page);
    },
  };

  async function replayed(tenantId: string, key: string, fingerprint: string): Promise<CreateResult | null> {
    const record = await servers.idempotencyRecord(tenantId, key);
    if (!record) return null;
    if (record.fingerprint !== fingerprint) {
      throw new UnprocessableError(
        'This Idempotency-Key was already used for a different request; use a new key for a new server.',
      );
    }
    return { status: 201, server: JSON.parse(record.body) as ServerView, body: record.body, replayed: true };
  }
}

export type ServerService = ReturnType<typeof createServerService>;

/** Names of the fields a patch touched; secret fields are named, their values never recorded. */
function changedFields(request: PatchServerRequest): string[] {
  const top = Object.entries(request).filter(
    ([key, v]) => v !== undefined && key !== 'config' && key !== 'idle',
  );
  const nested = (prefix: 'config' | 'idle') =>
    Object.entries(request[prefix] ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([key]) => `${prefix}.${key}`);
  return [...top.map(([key]) => key), ...nested('idle'), ...nested('config')];
}
