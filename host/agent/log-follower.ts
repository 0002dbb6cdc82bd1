/**
 * Follows `server.log.txt` like `tail -F`: emits each complete line once, and notices when the
 * server starts over (a new file: different inode, or the same file truncated).
 *
 * Polling with `stat` rather than `fs.watch`: inotify watches the inode, so it goes quiet when a
 * restart replaces the file, and it reports nothing for a file that does not exist yet; one stat
 * every half second costs nothing next to a game server. Limitation: a file truncated and then
 * written past its old size within one poll interval looks like growth; the server writes far
 * less than a running session's log at start, so the interval makes that unlikely, not impossible.
 */
import { type FileHandle, open, stat } from 'node:fs/promises';

export type LogResetReason = 'replaced' | 'truncated';

export interface LogFollowerOptions {
  readonly path: string;
  readonly onLine: (line: string) => void;
  /** The server started over: what follows comes from a new process. Not called for the first file. */
  readonly onReset?: (reason: LogResetReason) => void;
  readonly onError?: (error: Error) => void;
  /** @default 500 */
  readonly intervalMs?: number;
}

export interface LogFollower {
  /** Reads what is there now; the timer calls it, tests may too. */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

export function followLog(options: LogFollowerOptions): LogFollower {
  let file: { handle: FileHandle; ino: number; dev: number } | undefined;
  let offset = 0;
  let partial: Buffer = Buffer.alloc(0);
  let stopped = false;
  let running: Promise<void> | undefined;
  // One read buffer for the follower's life: emit() copies what it keeps.
  const buffer = Buffer.alloc(CHUNK);

  const emit = (chunk: Buffer) => {
    let data = partial.length ? Buffer.concat([partial, chunk]) : chunk;
    let nl = data.indexOf(NEWLINE);
    while (nl >= 0) {
      // Split on bytes, decode whole lines: a multi-byte name never breaks across two reads.
      options.onLine(data.toString('utf8', 0, nl));
      data = data.subarray(nl + 1);
      nl = data.indexOf(NEWLINE);
    }
    partial = Buffer.from(data);
  };

  const closeFile = async () => {
    const handle = file?.handle;
    file = undefined;
    await handle?.close();
  };

  const reset = async (reason: LogResetReason) => {
    // A process that died mid-line may have left its last words unterminated: keep them.
    if (partial.length) options.onLine(partial.toString('utf8'));
    partial = Buffer.alloc(0);
    offset = 0;
    if (reason === 'replaced') await closeFile();
    options.onReset?.(reason);
  };

  const drain = async (handle: FileHandle) => {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      emit(buffer.subarray(0, bytesRead));
    }
  };

  const step = async () => {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(options.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Deleted: the open handle still reads what the old process wrote last (a logon failure, say).
      if (file) await drain(file.handle);
      return;
    }
    if (file && (info.ino !== file.ino || info.dev !== file.dev)) {
      await drain(file.handle);
      await reset('replaced');
    } else if (file && info.size < offset) {
      // Bytes written between the last poll and the truncation are lost; systemd's RestartSec=10
      // leaves the follower many polls to read a dying process's last lines before a restart truncates.
      await reset('truncated');
    }
    if (!file) {
      const handle = await open(options.path, 'r');
      const opened = await handle.stat();
      // The identity of what was opened, not of what was stat'ed: a replacement in between shows at the next poll.
      file = { handle, ino: opened.ino, dev: opened.dev };
    }
    await drain(file.handle);
  };

  const poll = () => {
    running ??= step()
      .catch((error: unknown) => options.onError?.(error as Error))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => {
    if (!stopped) void poll();
  }, options.intervalMs ?? 500);
  timer.unref();

  return {
    poll,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await closeFile();
    },
  };
}
