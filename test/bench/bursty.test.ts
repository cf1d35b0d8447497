import { BurstyRow, burstyRows, burstySummary, burstyTraces, drawShape, MAX_SEED, parseArgs } from '../../bench/bursty';
import { traceDemand } from '../../bench/sim';
import { mulberry32 } from '../../bench/traces';
import { parseWhole } from '../../bench/unseen';

describe('bursty diurnal traces', () => {
  test('are two weeks long, named in order, and the same on every run; another seed draws others', () => {
    const traces = burstyTraces(3);
    expect(traces.map((t) => t.trace.name)).toEqual(['bursty-1', 'bursty-2', 'bursty-3']);
    traces.forEach((t) => expect(t.trace.bytes.length).toBe(14 * 24 * 60));
    expect(burstyTraces(3).map((t) => t.trace.bytes)).toEqual(traces.map((t) => t.trace.bytes));
    expect(burstyTraces(3, 2).map((t) => t.shape)).not.toEqual(traces.map((t) => t.shape));
  });

  test('shapes stay within the ranges the header gives', () => {
    const rand = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      const s = drawShape(rand);
      expect(Number.isInteger(s.peak) && s.peak >= 10 && s.peak <= 400).toBe(true);
      expect(s.trough >= 0.1 && s.trough <= 0.4).toBe(true);
      expect(Number.isInteger(s.peakHour) && s.peakHour >= 10 && s.peakHour <= 18).toBe(true);
      expect(Number.isInteger(s.firstDay) && s.firstDay >= 0 && s.firstDay <= 6).toBe(true);
      expect(s.hourBurst >= 0.5 && s.hourBurst <= 3).toBe(true);
      expect(Number.isInteger(s.hourBurstMinutes) && s.hourBurstMinutes >= 1 && s.hourBurstMinutes <= 5).toBe(true);
      expect(s.smallBurst >= 0 && s.smallBurst <= s.hourBurst / 2).toBe(true);
      expect(s.smallEvery).toBe(15);
      expect(s.noiseSd >= 0.03 && s.noiseSd <= 0.12).toBe(true);
    }
  });

  test('bursts land on the hour and on the quarter hour, at the size drawn', () => {
    const { trace, shape } = burstyTraces(1)[0];
    const demand = traceDemand(trace);
    const atMinute = (m: number) => demand.filter((_, t) => t % 60 === m).reduce((a, b) => a + b, 0);
    // Minute 7 of the hour has no burst (bursts on the hour last at most 5 minutes).
    expect(Math.abs(atMinute(0) / atMinute(7) - (1 + shape.hourBurst))).toBeLessThan(0.1 * (1 + shape.hourBurst));
    expect(Math.abs(atMinute(15) / atMinute(7) - (1 + shape.smallBurst))).toBeLessThan(0.1 * (1 + shape.smallBurst));
    expect(atMinute(shape.hourBurstMinutes) / atMinute(7)).toBeLessThan(1.1);
  });

  test('rows carry each policy run: this library within the static-peak, the bound below it', () => {
    const [row] = burstyRows(1);
    expect(row.trace).toBe('bursty-1');
    expect(row.throttledPct).toBeGreaterThanOrEqual(0);
    expect(row.sharePct).toBeGreaterThan(row.boundSharePct);
    expect(row.sharePct).toBeLessThanOrEqual(100);
    expect(row.boundSharePct).toBeGreaterThan(0);
    expect(row.boundSharePct).toBeLessThan(100);
    expect(Object.keys(row.anchors)).toEqual(['aws-samples', 'substation', 'scaling-utils']);
  });
});

describe('burstySummary', () => {
  const shape = burstyTraces(1)[0].shape;
  const row = (trace: string, throttledPct: number, sharePct: number, boundSharePct: number, anchors: [number, number, number]): BurstyRow => ({
    trace,
    shape,
    throttledPct,
    sharePct,
    boundSharePct,
    anchors: { 'aws-samples': anchors[0], 'substation': anchors[1], 'scaling-utils': anchors[2] },
  });

  test('counts the misses of each target, a tie with an anchor as not below it', () => {
    const s = burstySummary([
      row('a', 0.05, 55, 48, [2, 3, 4]),
      row('b', 0.12, 61, 54, [1.5, 0.2, 5]),
      row('c', 0.01, 60, 53, [0.01, 0.5, 0.02]),
      row('d', 0.02, 64, 55, [0.3, 0.01, 0.6]),
    ]);
    expect(s.draws).toBe(4);
    expect(s.throttled).toEqual({ min: 0.01, max: 0.12, over: 1 });
    expect(s.notBelowEveryAnchor).toEqual(['c', 'd']);
    expect(s.anchors).toEqual({ min: 0.01, max: 5 });
    expect(s.share).toEqual({ min: 55, max: 64, over: 2 });
    expect(s.aboveBound).toEqual({ min: 7, max: 9 });
    expect(s.lowestBoundOver60).toBe(54);
    expect(s.highestBoundAtMost60).toBe(53);
    // Only 'a' has every anchor at 1% or more.
    expect(s.heavy?.draws).toBe(1);
    expect(s.heavy?.throttled).toEqual({ min: 0.05, max: 0.05, over: 0 });
    expect(s.heavy?.lowestBoundOver60).toBeUndefined();
  });

  test('takes 1% for an anchor as heavy, and 0.1% for this library as not over', () => {
    const s = burstySummary([row('a', 0.1, 55, 48, [1, 1, 1]), row('b', 0.2, 55, 48, [0.5, 0.5, 0.5])]);
    expect(s.throttled.over).toBe(1);
    expect(s.heavy?.draws).toBe(1);
    expect(s.heavy?.throttled).toEqual({ min: 0.1, max: 0.1, over: 0 });
  });

  test('gives no heavy subset when it would be all the draws, or none of them', () => {
    expect(burstySummary([row('a', 0.05, 55, 48, [2, 3, 4])]).heavy).toBeUndefined();
    expect(burstySummary([row('a', 0.05, 55, 48, [0.2, 3, 4])]).heavy).toBeUndefined();
  });
});

describe('parseWhole', () => {
  test('takes a whole number within the bounds, and names the flag, the range and the bad value otherwise', () => {
    expect(parseWhole('--count', '30', 1, 1000)).toBe(30);
    expect(parseWhole('--count', '1000', 1, 1000)).toBe(1000);
    expect(parseWhole('--seed', '0', 0, 2 ** 32 - 1)).toBe(0);
    for (const bad of ['0', '-1', '1.5', 'x', '', ' ', '1001', '1e300', '1e2', '0x10', '+5', ' 7 ', undefined]) {
      expect(() => parseWhole('--count', bad, 1, 1000)).toThrow(`--count takes a whole number from 1 to 1000; got ${bad === undefined ? 'nothing' : bad}`);
    }
  });

  test('parseArgs reads --count and --seed, each once, and refuses anything else', () => {
    expect(parseArgs([])).toEqual({ count: 30, seed: 1 });
    expect(parseArgs(['--seed', '2'])).toEqual({ count: 30, seed: 2 });
    expect(parseArgs(['--count', '5', '--seed', String(MAX_SEED)])).toEqual({ count: 5, seed: 2 ** 32 - 1 });
    expect(() => parseArgs(['--seed', String(2 ** 32)])).toThrow(`--seed takes a whole number from 0 to ${MAX_SEED}; got ${2 ** 32}`);
    expect(() => parseArgs(['--seed=2'])).toThrow('bench/bursty.ts takes --count N and --seed S; got --seed=2');
    expect(() => parseArgs(['--cuont', '5'])).toThrow('got --cuont');
    expect(() => parseArgs(['--seed', '2', '--seed', '3'])).toThrow('--seed is given twice');
    expect(() => parseArgs(['--count'])).toThrow('--count takes a whole number from 1 to 1000; got nothing');
  });
});
