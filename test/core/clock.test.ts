import { describe, expect, it } from 'vitest';
import { FakeClock, sleep } from '../../src/core/clock.js';
import { EventSource } from '../../src/core/disposable.js';
import { canonicalJson, fnv1a32, sha256Hex } from '../../src/core/hash.js';

describe('FakeClock', () => {
  it('fires timers in order only when advanced', async () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    clock.setTimeout(() => fired.push('a'), 100);
    const h = clock.setTimeout(() => fired.push('never'), 150);
    clock.clearTimeout(h);
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(101);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(1200);
  });

  it('lets chained sleeps progress within one advance', async () => {
    const clock = new FakeClock(0);
    let done = 0;
    const run = async () => {
      await sleep(clock, 10);
      await sleep(clock, 10);
      done = clock.now();
    };
    const p = run();
    await clock.advance(25);
    await p;
    expect(done).toBe(20);
  });

  it('sleep rejects on abort', async () => {
    const clock = new FakeClock(0);
    const ac = new AbortController();
    const p = sleep(clock, 100, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('hash helpers', () => {
  it('canonical JSON ignores key order and undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('sha256 matches a known vector', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('fnv1a32 is stable', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
  });
});

describe('EventSource', () => {
  it('isolates listener errors and disposes', () => {
    const ev = new EventSource<number>();
    const seen: number[] = [];
    ev.on(() => {
      throw new Error('bad listener');
    });
    const d = ev.on((n) => seen.push(n));
    ev.emit(1);
    d.dispose();
    ev.emit(2);
    expect(seen).toEqual([1]);
  });
});
