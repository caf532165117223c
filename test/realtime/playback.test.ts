import { describe, expect, it } from 'vitest';
import { PlaybackTracker } from '../../src/realtime/playback.js';

describe('PlaybackTracker', () => {
  it('counts played audio only from mark echoes, in order', () => {
    const p = new PlaybackTracker();
    p.audioSent(800, 'item_1'); // 100 ms
    const m1 = p.nextMark('turn-1');
    p.audioSent(800, 'item_1');
    const m2 = p.nextMark('turn-1');
    expect(p.bufferedMs).toBe(200);
    expect(p.markEchoed(m2)).toEqual({ played: true, itemId: 'item_1', responseKey: 'turn-1' }); // implies m1
    expect(p.playedMs).toBe(200);
    expect(p.markEchoed(m1)).toEqual({ played: false });
    expect(p.currentItem).toEqual({ itemId: 'item_1', playedMs: 200, sentMs: 200 });
  });

  it('marks echoed because of a clear are not played, and the truncate never exceeds what was heard', () => {
    const p = new PlaybackTracker();
    p.audioSent(800, 'item_1');
    const heardMark = p.nextMark(undefined);
    p.audioSent(1600, 'item_1');
    const clearedMark = p.nextMark(undefined);
    p.markEchoed(heardMark);
    expect(p.cleared()).toEqual({ itemId: 'item_1', playedMs: 100 });
    expect(p.markEchoed(clearedMark)).toEqual({ played: false });
    expect(p.playedMs).toBe(100);
    expect(p.bufferedMs).toBe(0);
    expect(p.currentItem).toBeNull();
  });

  it('starts a new item at zero', () => {
    const p = new PlaybackTracker();
    p.audioSent(800, 'a');
    p.markEchoed(p.nextMark(undefined));
    p.audioSent(160, 'b');
    expect(p.currentItem).toEqual({ itemId: 'b', playedMs: 0, sentMs: 20 });
  });
});
