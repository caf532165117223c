import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TwilioPlaybackBuffer } from '../../src/testing/fake-twilio-media-clock.js';

type Op = { op: 'audio'; bytes: number } | { op: 'mark' } | { op: 'advance'; ms: number } | { op: 'clear' };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('audio' as const), bytes: fc.integer({ min: 0, max: 4000 }) }),
    fc.record({ op: fc.constant('mark' as const) }),
    fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 600 }) }),
    fc.record({ op: fc.constant('clear' as const) }),
  ),
  { maxLength: 120 },
);

/** Runs ops against the buffer, checking Twilio's rules at every echo. */
function run(list: Op[]) {
  const echoes: { name: string; cleared: boolean }[] = [];
  let dropped = 0;
  let added = 0;
  let now = 0;
  let inClear = false;
  const audioBeforeMark = new Map<string, number>();
  const playback = new TwilioPlaybackBuffer((name, cleared) => {
    echoes.push({ name, cleared });
    expect(cleared).toBe(inClear);
    // A played echo means everything queued before the mark has played (or was cleared earlier).
    if (!cleared) expect(playback.playedBytes + dropped).toBe(audioBeforeMark.get(name));
  });
  const marks: string[] = [];
  list.forEach((step, i) => {
    if (step.op === 'audio') {
      // Each chunk filled with its own index, so order in the played audio is checkable.
      expect(playback.addAudio(new Uint8Array(step.bytes).fill(i % 256), now)).toBe(true);
      added += step.bytes;
    } else if (step.op === 'mark') {
      const name = `m${i}`;
      marks.push(name);
      audioBeforeMark.set(name, added);
      const wasEmpty = playback.isEmpty;
      playback.addMark(name, now);
      if (wasEmpty) expect(echoes.at(-1)).toEqual({ name, cleared: false });
    } else if (step.op === 'advance') {
      now += step.ms;
      playback.advance(now);
    } else {
      inClear = true;
      const result = playback.clear(now);
      inClear = false;
      dropped += result.droppedBytes;
      expect(playback.isEmpty).toBe(true);
      expect(playback.queuedMs(now)).toBe(0);
    }
    expect(playback.playedBytes + dropped).toBeLessThanOrEqual(added);
  });
  return { playback, echoes, marks, added, dropped: () => dropped, now };
}

describe('TwilioPlaybackBuffer', () => {
  it('echoes every mark once, in order, after its audio played or at a clear', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const { playback, echoes, marks, added, dropped } = run(list);
        playback.advance(Number.MAX_SAFE_INTEGER);
        expect(echoes.map((e) => e.name)).toEqual(marks);
        expect(playback.playedBytes + dropped()).toBe(added);
        // Played audio keeps the order it was queued in, whatever was cut.
        const played = playback.played();
        expect(played.every((b, i) => i === 0 || b >= played[i - 1]!)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('plays at 8 bytes per ms from when audio arrives, not before', () => {
    const echoes: string[] = [];
    const playback = new TwilioPlaybackBuffer((name) => echoes.push(name));
    playback.advance(1000); // idle time is not banked
    playback.addAudio(new Uint8Array(800), 1000); // 100 ms
    playback.addMark('a', 1000);
    playback.addAudio(new Uint8Array(400), 1000); // 50 ms more
    playback.addMark('b', 1000);
    expect(playback.queuedMs(1000)).toBe(150);
    playback.advance(1099);
    expect(echoes).toEqual([]);
    playback.advance(1100);
    expect(echoes).toEqual(['a']);
    expect(playback.clear(1125)).toEqual({ droppedBytes: 200, marksEchoed: 1 });
    expect(playback.playedBytes).toBe(1000);
  });

  it('drops audio beyond 10 minutes queued, as Twilio does', () => {
    const playback = new TwilioPlaybackBuffer(() => undefined);
    expect(playback.addAudio(new Uint8Array(8 * 600_000), 0)).toBe(true);
    expect(playback.addAudio(new Uint8Array(8), 0)).toBe(false);
    expect(playback.addAudio(new Uint8Array(8), 1)).toBe(true);
  });
});
