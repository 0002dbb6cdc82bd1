/**
 * Crash-loop detection over the times the server process (re)started, as the agent sees them
 * (each new `server.log.txt`). Pure, so the policy is tested without clocks or processes.
 *
 * The default matches the server unit's start limit (5 starts in 600 s, `StartLimitBurst` /
 * `StartLimitIntervalSec` in host/bootstrap/render.ts) minus one restart: the agent reports the
 * loop before systemd gives up, while the host can still tell the control plane why.
 */

export interface CrashLoopPolicy {
  /** Restarts (starts after the first) within the window that make a loop. */
  readonly maxRestarts: number;
  readonly windowMs: number;
}

export const DEFAULT_CRASH_LOOP_POLICY: CrashLoopPolicy = { maxRestarts: 3, windowMs: 10 * 60_000 };

export interface CrashLoopVerdict {
  readonly crashLoop: boolean;
  readonly restartsInWindow: number;
}

/**
 * @param startTimes epoch milliseconds of every start the agent saw, in any order; the first is
 *   the intended start, the rest are restarts.
 */
export function detectCrashLoop(
  startTimes: readonly number[],
  now: number,
  policy: CrashLoopPolicy = DEFAULT_CRASH_LOOP_POLICY,
): CrashLoopVerdict {
  const restarts = [...startTimes].sort((a, b) => a - b).slice(1);
  const restartsInWindow = restarts.filter((t) => t <= now && now - t <= policy.windowMs).length;
  return { crashLoop: restartsInWindow >= policy.maxRestarts, restartsInWindow };
}
