import { traceDemand } from '../../bench/sim';
import { firstDays, MAX_RESEED, parseDays, parseReseed, unseenRows, unseenTraces } from '../../bench/unseen';

describe('unseen traces', () => {
  const traces = unseenTraces();

  test('are distinct from each other and from the built-in names, and the same on every run', () => {
    const names = traces.map((t) => t.trace.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain('diurnal-2w');
    expect(unseenTraces().map((t) => t.trace.bytes.slice(0, 50))).toEqual(traces.map((t) => t.trace.bytes.slice(0, 50)));
  });

  test('reseed draws the same shapes with other noise: same names, kinds and lengths, other minutes', () => {
    expect(unseenTraces(0).map((t) => t.trace.bytes.slice(0, 50))).toEqual(traces.map((t) => t.trace.bytes.slice(0, 50)));
    const other = unseenTraces(1);
    expect(other.map((t) => [t.trace.name, t.diurnal, t.trace.bytes.length]))
      .toEqual(traces.map((t) => [t.trace.name, t.diurnal, t.trace.bytes.length]));
    other.forEach((t, i) => expect(t.trace.bytes).not.toEqual(traces[i].trace.bytes));
    // The step still jumps when it says.
    const step = traceDemand(other.find((u) => u.trace.name === 'step-x8-at-20h')!.trace);
    expect(step[20 * 60 - 1]).toBeLessThan(7);
    expect(step[20 * 60]).toBeGreaterThan(30);
    expect(unseenRows('ramp-1h-x5', undefined, undefined, 1)[0].throttledPct).not.toBe(unseenRows('ramp-1h-x5')[0].throttledPct);
  });

  test('parseReseed takes a whole number from 0 to MAX_RESEED, and names the bad value otherwise', () => {
    expect(parseReseed('0')).toBe(0);
    expect(parseReseed('3')).toBe(3);
    expect(parseReseed(String(MAX_RESEED))).toBe(MAX_RESEED);
    for (const bad of ['-1', '1.5', 'one', '', ' ', '1e2', '0x10', '+3', ' 3 ', String(MAX_RESEED + 1), String(2 ** 32), undefined]) {
      expect(() => parseReseed(bad)).toThrow(`--reseed takes a whole number from 0 to ${MAX_RESEED}; got ${bad === undefined ? 'nothing' : bad}`);
    }
    // Every seed moved by MAX_RESEED stays below 2^32, where the generator's seeds wrap.
    expect(96001 + MAX_RESEED * 1_000_003).toBeLessThan(2 ** 32);
    expect(91001 + (MAX_RESEED + 1) * 1_000_003).toBeGreaterThan(2 ** 32);
  });

  test('diurnal traces are two weeks long and reach the peak they are named for', () => {
    for (const [name, peak] of [['diurnal-small-peak6', 6], ['diurnal-peak15', 15], ['diurnal-peak150', 150], ['diurnal-peak900', 900]] as const) {
      const t = traces.find((u) => u.trace.name === name)!;
      expect(t.diurnal).toBe(true);
      expect(t.trace.bytes.length).toBe(14 * 24 * 60);
      const top = Math.max(...traceDemand(t.trace));
      // Hourly bursts lift the top minute above the nominal peak, but not past 2.5x.
      expect(top).toBeGreaterThan(peak);
      expect(top).toBeLessThan(2.5 * peak);
    }
  });

  test('the step and spike traces jump when they say', () => {
    const step = traceDemand(traces.find((u) => u.trace.name === 'step-x8-at-20h')!.trace);
    expect(step[20 * 60 - 1]).toBeLessThan(7);
    expect(step[20 * 60]).toBeGreaterThan(30);
    const spike = traceDemand(traces.find((u) => u.trace.name === 'spike-x10-30min')!.trace);
    expect(Math.min(...spike.slice(12 * 60, 12 * 60 + 30))).toBeGreaterThan(40);
    expect(spike[12 * 60 + 30]).toBeLessThan(10);
  });
});

describe('unseenRows', () => {
  test('report each policy, the shares of static-peak and the targets missed', () => {
    const rows = unseenRows('ramp-1h-x5');
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row.trace).toBe('ramp-1h-x5');
    expect(row.diurnal).toBe(false);
    expect(Object.keys(row.anchors).sort()).toEqual(['aws-samples', 'on-demand', 'scaling-utils', 'substation']);
    // Lower-bound never needs more shard-hours than static-peak, and no adaptive policy beats lower-bound.
    expect(row.lowerBoundSharePct).toBeLessThanOrEqual(100);
    expect(row.sharePct).toBeGreaterThanOrEqual(row.lowerBoundSharePct);
    // The staircase covers every minute at 100%, so it costs at least lower-bound, and at most
    // static-peak (one level for the whole day is a staircase).
    expect(row.optimumSharePct).toBeGreaterThanOrEqual(row.lowerBoundSharePct);
    expect(row.optimumSharePct).toBeLessThanOrEqual(100);
    // The misses follow from the numbers.
    expect(row.misses.includes('over 0.1%')).toBe(row.throttledPct > 0.1);
    const belowAll = (['aws-samples', 'substation', 'scaling-utils'] as const).every((a) => row.throttledPct < row.anchors[a]);
    expect(row.misses.some((m) => /anchor/.test(m))).toBe(!belowAll);
  });

  test('setting overrides change this library\'s numbers only', () => {
    const [base] = unseenRows('ramp-1h-x5');
    const [tight] = unseenRows('ramp-1h-x5', { targetUtilization: 0.5 });
    expect(tight.anchors).toEqual(base.anchors);
    expect([tight.throttledPct, tight.sharePct]).not.toEqual([base.throttledPct, base.sharePct]);
  });

  test('--days takes a whole number of days, 1 or more', () => {
    expect(parseDays('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'two', '', ' ', '1e1', '0x3', '+3', ' 3 ', undefined]) {
      expect(() => parseDays(bad)).toThrow(/--days takes a whole number of days, 1 or more/);
    }
  });

  test('--days keeps the first days of each trace, and static-peak is that of those days', () => {
    const full = unseenTraces().find((u) => u.trace.name === 'diurnal-peak15')!.trace;
    const cut = firstDays(full, 1);
    expect(cut.bytes).toEqual(full.bytes.slice(0, 1440));
    expect(cut.records).toEqual(full.records.slice(0, 1440));
    // A 1-day trace of a 1-day trace is itself.
    const spike = unseenTraces().find((u) => u.trace.name === 'spike-x10-30min')!.trace;
    expect(firstDays(spike, 1).bytes).toHaveLength(spike.bytes.length);

    const [whole] = unseenRows('diurnal-peak15');
    const [day] = unseenRows('diurnal-peak15', undefined, 1);
    expect(day.diurnal).toBe(true);
    // One weekday's static-peak is a far smaller share of waste than two weeks' with weekends.
    expect(day.optimumSharePct).toBeGreaterThan(whole.optimumSharePct);
    expect(day.sharePct).not.toBeCloseTo(whole.sharePct, 1);
  });
});
