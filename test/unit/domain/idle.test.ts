import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdleDecision, IdleObservation } from '../../../shared/domain/idle.ts';
import {
  decideIdle,
  HEARTBEAT_FRESH_MS,
  needsQuery,
  RECORD_AFTER_MS,
  withKeepalive,
} from '../../../shared/domain/idle.ts';
import type { IdlePolicy, ServerRecord, ServerRuntime, ServerState } from '../../../shared/domain/server.ts';
import { SERVER_STATES } from '../../../shared/domain/server.ts';
import { serverRuntime } from '../../support/servers.ts';

const MIN = 60_000;
const START = Date.parse('2026-11-22T10:00:00.000Z');
const at = (minutes: number) => new Date(START + minutes * MIN);
const isoAt = (minutes: number) => at(minutes).toISOString();

interface Setup {
  state?: ServerState;
  idle?: Partial<IdlePolicy>;
  runtime?: Partial<ServerRuntime> | null;
}

/** A running server started at START with the default policy and a fresh runtime. */
function server({ state = 'running', idle = {}, runtime = {} }: Setup = {}): ServerRecord {
  return {
    id: 'srv_01jd0000000000000000000000',
    tenantId: 'acme',
    state,
    idle: { autoStop: true, afterMinutes: 30, startGraceMinutes: 15, ...idle },
    updatedAt: isoAt(0),
    version: 7,
    runtime: runtime === null ? null : serverRuntime(runtime, isoAt(0)),
  } as ServerRecord;
}

const decide = (s: ServerRecord, minutes: number, queried: number | null = null) =>
  decideIdle(s, { now: at(minutes), queried });
/** A heartbeat `ago` minutes before `minutes`, reporting `players`. */
const beat = (minutes: number, players: number, ago = 0.25): Partial<ServerRuntime> => ({
  lastHeartbeatAt: isoAt(minutes - ago),
  players,
});
const summary = (d: IdleDecision) =>
  `${d.status}/${d.why}/${d.action.kind === 'stop' ? `stop:${d.action.reason}` : d.action.kind}`;

describe('decideIdle: who is looked at', () => {
  it.each(SERVER_STATES.filter((s) => s !== 'running'))('skips a %s server and writes nothing', (state) => {
    expect(summary(decide(server({ state, runtime: null }), 500))).toBe('skip/not-running/none');
    expect(summary(decide(server({ state }), 500, 0))).toBe('skip/not-running/none');
  });

  it('skips a running server without a runtime', () => {
    expect(summary(decide(server({ runtime: null }), 500))).toBe('skip/no-runtime/none');
  });

  it('never stops a server with auto-stop off, and clears a stop time left from before', () => {
    const off = server({ idle: { autoStop: false } });
    expect(summary(decide(off, 500))).toBe('skip/auto-stop-off/none');
    expect(summary(decide(off, 500, 0))).toBe('skip/auto-stop-off/none');
    const left = server({ idle: { autoStop: false }, runtime: { idleStopAt: isoAt(30) } });
    expect(decide(left, 500).action).toEqual({ kind: 'record', changes: { idleStopAt: null } });
    expect(decide(left, 500).idleStopAt).toBeNull();
  });
});

describe('decideIdle: busy', () => {
  it('is busy when a fresh heartbeat counts players, whatever A2S says', () => {
    for (const queried of [null, 0, 3]) {
      const d = decide(server({ runtime: beat(100, 2) }), 100, queried);
      expect(d).toMatchObject({ status: 'busy', why: 'players', idleStopAt: null });
    }
  });

  it('is busy when A2S counts players though the heartbeat says none, or is missing', () => {
    expect(decide(server({ runtime: beat(100, 0) }), 100, 1).status).toBe('busy');
    expect(decide(server(), 100, 1).status).toBe('busy');
  });

  it('records lastPlayerSeenAt once the stored one lags a minute, and clears the stop time', () => {
    const d = decide(server({ runtime: { idleStopAt: isoAt(130) } }), 100, 2);
    expect(d.action).toEqual({ kind: 'record', changes: { lastPlayerSeenAt: isoAt(100), idleStopAt: null } });
    const recent = server({ runtime: { lastPlayerSeenAt: isoAt(99.5) } });
    expect(decide(recent, 100, 2).action).toEqual({ kind: 'none' });
  });

  it('ignores a stale heartbeat: its players are no signal', () => {
    const stale = server({ runtime: beat(100, 5, HEARTBEAT_FRESH_MS / MIN) });
    expect(decide(stale, 100, 0).status).toBe('idle');
    expect(decide(stale, 100).status).toBe('unreachable');
  });
});

describe('decideIdle: idle', () => {
  it('stops an empty server once it was empty for its window after the last player', () => {
    const s = server({ runtime: { ...beat(100, 0), lastPlayerSeenAt: isoAt(70) } });
    expect(summary(decide(s, 99.9, 0))).toBe('idle/empty/record');
    expect(decide(s, 99.9, 0).idleStopAt).toBe(isoAt(100));
    expect(summary(decide(s, 100, 0))).toBe('idle/empty/stop:idle');
  });

  it('counts the window from the start when nobody ever joined', () => {
    expect(summary(decide(server({ runtime: beat(29, 0) }), 29.9, 0))).toBe('idle/empty/record');
    expect(summary(decide(server({ runtime: beat(30, 0) }), 30, 0))).toBe('idle/empty/stop:idle');
  });

  it('never stops inside the start grace, even with a shorter window', () => {
    const s = server({ idle: { afterMinutes: 1, startGraceMinutes: 15 }, runtime: beat(14, 0) });
    expect(decide(s, 14.9, 0).action.kind).not.toBe('stop');
    expect(decide(s, 14.9, 0).idleStopAt).toBe(isoAt(15));
    expect(
      summary(
        decide(server({ idle: { afterMinutes: 1, startGraceMinutes: 15 }, runtime: beat(15, 0) }), 15, 0),
      ),
    ).toBe('idle/empty/stop:idle');
  });

  it('stops a one-minute window with no grace one minute after the start', () => {
    const s = server({ idle: { afterMinutes: 1, startGraceMinutes: 0 }, runtime: beat(1, 0) });
    expect(decide(s, 0.9, 0).action.kind).not.toBe('stop');
    expect(summary(decide(s, 1, 0))).toBe('idle/empty/stop:idle');
  });

  it('waits for a keepalive to end', () => {
    const s = server({ runtime: { ...beat(60, 0), keepaliveUntil: isoAt(90) } });
    expect(decide(s, 60, 0).action.kind).not.toBe('stop');
    expect(decide(s, 60, 0).idleStopAt).toBe(isoAt(90));
    expect(summary(decide(server({ runtime: { ...beat(90, 0), keepaliveUntil: isoAt(90) } }), 90, 0))).toBe(
      'idle/empty/stop:idle',
    );
  });

  it('takes one empty signal as enough: a fresh empty heartbeat with A2S silent, or A2S alone', () => {
    expect(summary(decide(server({ runtime: beat(40, 0) }), 40))).toBe('idle/empty/stop:idle');
    expect(summary(decide(server(), 40, 0))).toBe('idle/empty/stop:idle');
  });

  it('records the stop time when it changes, and nothing when it is already recorded', () => {
    const s = server({ runtime: beat(10, 0) });
    expect(decide(s, 10, 0).action).toEqual({ kind: 'record', changes: { idleStopAt: isoAt(30) } });
    const recorded = server({ runtime: { ...beat(10, 0), idleStopAt: isoAt(30) } });
    expect(decide(recorded, 10, 0).action).toEqual({ kind: 'none' });
  });

  it('remembers an A2S answer while the heartbeat is missing, at most once a minute', () => {
    const d = decide(server({ runtime: { idleStopAt: isoAt(30) } }), 10, 0);
    expect(d.action).toEqual({ kind: 'record', changes: { lastAnsweredAt: isoAt(10) } });
    const recent = server({ runtime: { idleStopAt: isoAt(30), lastAnsweredAt: isoAt(9.5) } });
    expect(decide(recent, 10, 0).action).toEqual({ kind: 'none' });
    // With a fresh heartbeat the answer proves nothing new: no write.
    expect(decide(server({ runtime: { ...beat(10, 0), idleStopAt: isoAt(30) } }), 10, 0).action).toEqual({
      kind: 'none',
    });
  });
});

describe('decideIdle: unreachable', () => {
  it('stops a server with no signal for its window after it was last heard from', () => {
    const s = server({ runtime: { lastHeartbeatAt: isoAt(40) } });
    expect(summary(decide(s, 69.9))).toBe('unreachable/no-signal/record');
    expect(decide(s, 69.9).idleStopAt).toBe(isoAt(70));
    expect(summary(decide(s, 70))).toBe('unreachable/no-signal/stop:unreachable');
  });

  it('counts an A2S answer and a player seen as being heard from', () => {
    expect(decide(server({ runtime: { lastAnsweredAt: isoAt(50) } }), 70).action.kind).not.toBe('stop');
    expect(decide(server({ runtime: { lastPlayerSeenAt: isoAt(50) } }), 70).action.kind).not.toBe('stop');
  });

  it('counts from the start for a host never heard from, past the start grace', () => {
    expect(summary(decide(server(), 30))).toBe('unreachable/no-signal/stop:unreachable');
    const slow = server({ idle: { afterMinutes: 1, startGraceMinutes: 10 } });
    expect(decide(slow, 9.9).action.kind).not.toBe('stop');
    expect(summary(decide(slow, 10))).toBe('unreachable/no-signal/stop:unreachable');
  });

  it('is not deferred by a keepalive: a dead host serves no break', () => {
    const s = server({ runtime: { keepaliveUntil: isoAt(600), lastHeartbeatAt: isoAt(10) } });
    expect(summary(decide(s, 40))).toBe('unreachable/no-signal/stop:unreachable');
  });
});

describe('needsQuery', () => {
  it('asks A2S of a running, watched server with an address unless a fresh heartbeat counts players', () => {
    expect(needsQuery(server(), at(5))).toBe(true);
    expect(needsQuery(server({ runtime: beat(5, 0) }), at(5))).toBe(true);
    expect(needsQuery(server({ runtime: beat(5, 2) }), at(5))).toBe(false);
    expect(needsQuery(server({ runtime: beat(5, 2, 3) }), at(5))).toBe(true);
    expect(needsQuery(server({ runtime: { address: null } }), at(5))).toBe(false);
    expect(needsQuery(server({ idle: { autoStop: false } }), at(5))).toBe(false);
    expect(needsQuery(server({ state: 'starting' }), at(5))).toBe(false);
  });
});

describe('withKeepalive', () => {
  it('sets keepaliveUntil and moves a shown stop time out', () => {
    const s = server({ runtime: { idleStopAt: isoAt(30) } });
    const runtime = withKeepalive(s, s.runtime as ServerRuntime, at(20), 60);
    expect(runtime).toMatchObject({ keepaliveUntil: isoAt(80), idleStopAt: isoAt(80) });
  });

  it('leaves a busy server without a stop time', () => {
    const s = server({ runtime: { lastPlayerSeenAt: isoAt(20) } });
    expect(withKeepalive(s, s.runtime as ServerRuntime, at(20), 60)).toMatchObject({
      keepaliveUntil: isoAt(80),
      idleStopAt: null,
    });
  });

  it('can bring the stop time back in, but never before the idle window', () => {
    const s = server({ runtime: { idleStopAt: isoAt(300), keepaliveUntil: isoAt(300) } });
    expect(withKeepalive(s, s.runtime as ServerRuntime, at(10), 1).idleStopAt).toBe(isoAt(30));
  });
});

/** Arbitrary servers and observations around START (minutes, so the edges are hit often). */
const minutes = fc.integer({ min: -5, max: 2000 }).map((m) => m / 2);
const optionalTime = fc.option(minutes, { nil: null });
const arbitraryCase = fc.record({
  state: fc.constantFrom(...SERVER_STATES),
  autoStop: fc.boolean(),
  afterMinutes: fc.integer({ min: 1, max: 1440 }),
  startGraceMinutes: fc.integer({ min: 0, max: 240 }),
  players: fc.integer({ min: 0, max: 8 }),
  lastHeartbeatAt: optionalTime,
  lastPlayerSeenAt: optionalTime,
  lastAnsweredAt: optionalTime,
  keepaliveUntil: optionalTime,
  idleStopAt: optionalTime,
  now: minutes,
  queried: fc.option(fc.integer({ min: 0, max: 8 }), { nil: null }),
});
type Case = typeof arbitraryCase extends fc.Arbitrary<infer T> ? T : never;

function build(c: Case): { s: ServerRecord; o: IdleObservation } {
  const time = (m: number | null) => (m === null ? null : isoAt(m));
  const s = server({
    state: c.state,
    idle: { autoStop: c.autoStop, afterMinutes: c.afterMinutes, startGraceMinutes: c.startGraceMinutes },
    runtime: {
      players: c.players,
      lastHeartbeatAt: time(c.lastHeartbeatAt),
      lastPlayerSeenAt: time(c.lastPlayerSeenAt),
      lastAnsweredAt: time(c.lastAnsweredAt),
      keepaliveUntil: time(c.keepaliveUntil),
      idleStopAt: time(c.idleStopAt),
    },
  });
  return { s, o: { now: at(c.now), queried: c.queried } };
}

const freshPlayers = (s: ServerRecord, o: IdleObservation) => {
  const r = s.runtime as ServerRuntime;
  const beatAt = r.lastHeartbeatAt ? Date.parse(r.lastHeartbeatAt) : null;
  return beatAt !== null && o.now.getTime() - beatAt < HEARTBEAT_FRESH_MS && r.players > 0;
};

describe('decideIdle properties', () => {
  it('never stops a server with players on either signal', () => {
    fc.assert(
      fc.property(arbitraryCase, (c) => {
        const { s, o } = build(c);
        if (freshPlayers(s, o) || (o.queried ?? 0) > 0) expect(decideIdle(s, o).action.kind).not.toBe('stop');
      }),
    );
  });

  it('never stops a server that is not running, has auto-stop off, or is inside its start grace', () => {
    fc.assert(
      fc.property(arbitraryCase, (c) => {
        const { s, o } = build(c);
        const inGrace = o.now.getTime() < START + c.startGraceMinutes * MIN;
        if (c.state !== 'running' || !c.autoStop || inGrace)
          expect(decideIdle(s, o).action.kind).not.toBe('stop');
      }),
    );
  });

  it('stops exactly when the stop time it shows has come', () => {
    fc.assert(
      fc.property(arbitraryCase, (c) => {
        const { s, o } = build(c);
        const d = decideIdle(s, o);
        if (d.status === 'busy' || d.status === 'skip') {
          expect(d.idleStopAt).toBeNull();
          return;
        }
        const due = Date.parse(d.idleStopAt as string) <= o.now.getTime();
        expect(d.action.kind === 'stop').toBe(due);
      }),
    );
  });

  it('stays stopped as time goes on with the same signals', () => {
    fc.assert(
      fc.property(arbitraryCase, fc.integer({ min: 0, max: 600 }), (c, later) => {
        const { s, o } = build(c);
        const first = decideIdle(s, o);
        if (first.action.kind !== 'stop') return;
        // A heartbeat that was fresh may go stale later: keep it as fresh as it was.
        const shift = later * MIN;
        const r = s.runtime as ServerRuntime;
        const moved = r.lastHeartbeatAt
          ? new Date(Date.parse(r.lastHeartbeatAt) + shift).toISOString()
          : null;
        const next = decideIdle(
          { ...s, runtime: { ...r, lastHeartbeatAt: moved } },
          {
            now: new Date(o.now.getTime() + shift),
            queried: o.queried,
          },
        );
        if (first.action.reason === 'idle') expect(next.action).toEqual(first.action);
      }),
    );
  });

  it('never stops for idleness before the keepalive ends', () => {
    fc.assert(
      fc.property(arbitraryCase, (c) => {
        const { s, o } = build(c);
        const d = decideIdle(s, o);
        if (c.keepaliveUntil !== null && o.now < at(c.keepaliveUntil)) {
          expect(d.action).not.toEqual({ kind: 'stop', reason: 'idle' });
        }
      }),
    );
  });

  it('reaches a fixed point: once its writes are applied, the same tick writes nothing more', () => {
    fc.assert(
      fc.property(arbitraryCase, (c) => {
        const { s, o } = build(c);
        const d = decideIdle(s, o);
        if (d.action.kind !== 'record') return;
        const applied = { ...s, runtime: { ...(s.runtime as ServerRuntime), ...d.action.changes } };
        const again = decideIdle(applied, o);
        expect(again.action.kind === 'record' ? again.action.changes : {}).toEqual({});
        expect(again.status).toBe(d.status);
      }),
    );
  });

  it('writes lastPlayerSeenAt only forward, and only from a signal with players', () => {
    fc.assert(
      fc.property(arbitraryCase, (c) => {
        const { s, o } = build(c);
        const d = decideIdle(s, o);
        if (d.action.kind !== 'record' || d.action.changes.lastPlayerSeenAt === undefined) return;
        expect(d.status).toBe('busy');
        expect(d.action.changes.lastPlayerSeenAt).toBe(o.now.toISOString());
        const stored = s.runtime?.lastPlayerSeenAt;
        if (stored) expect(o.now.getTime() - Date.parse(stored)).toBeGreaterThanOrEqual(RECORD_AFTER_MS);
      }),
    );
  });
});
