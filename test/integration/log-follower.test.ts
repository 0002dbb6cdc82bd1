import {
  appendFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followLog, type LogFollower } from '../../host/agent/log-follower.ts';

describe('followLog', () => {
  let dir: string;
  let path: string;
  let follower: LogFollower | undefined;
  let seen: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'convoy-log-'));
    path = join(dir, 'server.log.txt');
    seen = [];
  });
  afterEach(async () => {
    await follower?.stop();
    follower = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () => {
    // A long interval: the test drives polls itself so that each step is deterministic.
    follower = followLog({
      path,
      intervalMs: 60_000,
      onLine: (line) => seen.push(line),
      onReset: (reason) => seen.push(`<${reason}>`),
      onError: (error) => seen.push(`<error ${error.message}>`),
    });
    return follower;
  };

  it('waits for a file that does not exist yet, then reads it from the start', async () => {
    const f = start();
    await f.poll();
    expect(seen).toEqual([]);

    writeFileSync(path, '00:00:00.000 : first\n00:00:01.000 : second\n');
    await f.poll();

    expect(seen).toEqual(['00:00:00.000 : first', '00:00:01.000 : second']);
  });

  it('holds a partial line until its end arrives, and splits no multi-byte character', async () => {
    writeFileSync(path, '00:00:01.000 : [MP] Łuk');
    const f = start();
    await f.poll();
    expect(seen).toEqual([]);

    appendFileSync(path, Buffer.from([0xc4])); // first byte of "ą"
    await f.poll();
    appendFileSync(
      path,
      Buffer.concat([Buffer.from([0x85]), Buffer.from('sz connected, client_id = 3\nnext')]),
    );
    await f.poll();

    expect(seen).toEqual(['00:00:01.000 : [MP] Łukąsz connected, client_id = 3']);
  });

  it('reads only what was appended since the last poll', async () => {
    writeFileSync(path, 'a\n');
    const f = start();
    await f.poll();
    appendFileSync(path, 'b\nc\n');
    await f.poll();
    await f.poll();

    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('starts over when the file is truncated in place', async () => {
    writeFileSync(path, 'old 1\nold 2\nold 3 without end');
    const f = start();
    await f.poll();

    truncateSync(path, 0);
    appendFileSync(path, 'new 1\n');
    await f.poll();

    expect(seen).toEqual(['old 1', 'old 2', 'old 3 without end', '<truncated>', 'new 1']);
  });

  it('starts over when the file is replaced by a new one', async () => {
    writeFileSync(path, 'old session line that is long enough\n');
    const f = start();
    await f.poll();

    const next = join(dir, 'next.txt');
    writeFileSync(next, 'new session line that is even longer than before\nsecond\n');
    renameSync(next, path);
    await f.poll();

    expect(seen).toEqual([
      'old session line that is long enough',
      '<replaced>',
      'new session line that is even longer than before',
      'second',
    ]);
  });

  it('reads what the old process wrote last before following its replacement', async () => {
    writeFileSync(path, '00:00:01.000 : [MP] Session search id: 85568392925767505/101\n');
    const f = start();
    await f.poll();

    appendFileSync(path, '00:00:04.201 : [MP] Error: Steam log on failed - code 15 .\n');
    const next = join(dir, 'next.txt');
    writeFileSync(next, '00:00:00.000 : new process\n');
    renameSync(next, path);
    await f.poll();

    expect(seen).toEqual([
      '00:00:01.000 : [MP] Session search id: 85568392925767505/101',
      '00:00:04.201 : [MP] Error: Steam log on failed - code 15 .',
      '<replaced>',
      '00:00:00.000 : new process',
    ]);
  });

  it('keeps going when the file is deleted and created again', async () => {
    writeFileSync(path, 'before\n');
    const f = start();
    await f.poll();

    appendFileSync(path, 'last words\n');
    unlinkSync(path);
    await f.poll();
    writeFileSync(path, 'after\n');
    await f.poll();

    expect(seen).toEqual(['before', 'last words', '<replaced>', 'after']);
  });

  it('follows on its own timer', async () => {
    follower = followLog({ path, intervalMs: 20, onLine: (line) => seen.push(line) });
    writeFileSync(path, 'ticked\n');

    await expect.poll(() => seen, { timeout: 2000 }).toEqual(['ticked']);
  });
});
