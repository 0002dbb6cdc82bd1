/**
 * The server lifecycle as one pure function. Services ask it what a command does to a state,
 * then make that answer a conditional write; nothing else decides which transitions exist.
 *
 *   stopped ─start→ starting ─hostRunning→ running ─stop→ stopping ─hostStopped→ stopped
 *   any failure → error (start or stop again from there); delete → deleting → (removed)
 */
import type { ServerState } from './server.ts';

export type ServerCommand =
  /** A user, a schedule or the API asks for the server to run. */
  | { readonly type: 'start' }
  /** A user or the idle reaper asks for the server to stop. */
  | { readonly type: 'stop' }
  /** Remove the server; `hasHost` says whether an instance must be terminated first. */
  | { readonly type: 'delete'; readonly hasHost: boolean }
  /** EC2 says the host is running (a state-change event or the reconciler). */
  | { readonly type: 'hostRunning' }
  /** EC2 says the host is stopped. */
  | { readonly type: 'hostStopped' }
  /** EC2 says the host is gone. */
  | { readonly type: 'hostTerminated' }
  /** A start or stop failed, or timed out. */
  | { readonly type: 'fail' };

/** What the caller must do on the host after recording the new state. */
export type HostEffect = 'launch' | 'halt' | 'terminate';

export type Transition =
  | { readonly kind: 'move'; readonly to: ServerState; readonly effect: HostEffect | null }
  /** Already where the command leads: answer as if done, write nothing. */
  | { readonly kind: 'unchanged' }
  /** The command makes no sense now (409). */
  | { readonly kind: 'rejected'; readonly detail: string }
  /** The server's record is to be removed. */
  | { readonly kind: 'remove' };

const move = (to: ServerState, effect: HostEffect | null = null): Transition => ({
  kind: 'move',
  to,
  effect,
});
const unchanged: Transition = { kind: 'unchanged' };
const rejected = (detail: string): Transition => ({ kind: 'rejected', detail });

export function transition(state: ServerState, command: ServerCommand): Transition {
  switch (command.type) {
    case 'start':
      return start(state);
    case 'stop':
      return stop(state);
    case 'delete':
      if (state === 'deleting') return unchanged;
      return command.hasHost ? move('deleting', 'terminate') : { kind: 'remove' };
    case 'hostRunning':
      return hostRunning(state);
    case 'hostStopped':
      return hostStopped(state);
    case 'hostTerminated':
      return state === 'deleting' ? { kind: 'remove' } : move('error');
    case 'fail':
      return fail(state);
    default:
      return assertNever(command);
  }
}

function start(state: ServerState): Transition {
  switch (state) {
    case 'stopped':
    case 'error':
      return move('starting', 'launch');
    case 'starting':
    case 'running':
      return unchanged;
    case 'stopping':
      return rejected('The server is stopping; start it again once it has stopped.');
    case 'deleting':
      return rejected('The server is being deleted.');
  }
}

function stop(state: ServerState): Transition {
  switch (state) {
    case 'starting':
    case 'running':
    case 'error':
      return move('stopping', 'halt');
    case 'stopped':
    case 'stopping':
      return unchanged;
    case 'deleting':
      return rejected('The server is being deleted.');
  }
}

function hostRunning(state: ServerState): Transition {
  switch (state) {
    case 'starting':
    case 'error':
    case 'stopped':
      // Powered on outside the API, or the start we asked for: either way it now runs.
      return move('running');
    case 'running':
    case 'stopping':
    case 'deleting':
      // A stop or delete is under way; its own event will follow.
      return unchanged;
  }
}

function hostStopped(state: ServerState): Transition {
  switch (state) {
    case 'stopping':
    case 'starting':
    case 'running':
    case 'error':
      return move('stopped');
    case 'stopped':
    case 'deleting':
      return unchanged;
  }
}

function fail(state: ServerState): Transition {
  switch (state) {
    case 'starting':
    case 'stopping':
    case 'running':
      return move('error');
    case 'stopped':
    case 'error':
    case 'deleting':
      return unchanged;
  }
}

function assertNever(value: never): never {
  throw new TypeError(`unhandled server command: ${JSON.stringify(value)}`);
}
