import {
  alarmsToReset, callsInWindow, CLIMB_EVENNESS, climbBackShards, CLIMB_MINUTES, climbSlope, decide, demandShards, HistoryWindow, isRising,
  LEVEL_BELOW,
  LEVEL_MINUTES, LEVELLED_HALF_MINUTES, levelledHistory, median, MinuteMetrics, peakWrittenShards, PolicyInput, RISING, scaleUpAt, shouldResetAlarm,
  SIZE_AHEAD_MINUTES, steadyTrendPeak, SURGE_GROUP_MINUTES, SURGE_LEAD_MINUTES, surgePeak, trendPeak, UP_AHEAD_MINUTES, writtenShards,
} from '../../../lambda/autoscaler/policy';
import {
  DAY_MS, DEFAULT_SCALING, MINUTE_MS, SCHEDULE_AHEAD_MINUTES, SHARD_BYTES_PER_MINUTE, SHARD_RECORDS_PER_MINUTE,
} from '../../../src/private/autoscaler-config';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

/** A minute that uses `shards` shards' worth of bytes, with 2 KiB records (bytes dominate). */
function minute(shards: number): MinuteMetrics {
  const bytes = shards * SHARD_BYTES_PER_MINUTE;
  return { incomingBytes: bytes, incomingRecords: bytes / 2048, throttledRecords: 0 };
}

function mean(minutes: MinuteMetrics[]): number {
  return minutes.reduce((sum, m) => sum + demandShards(m), 0) / minutes.length;
}

/**
 * A history window whose `before` ran at `level` shards' worth for LEVEL_MINUTES, as the handler
 * reads it; without `level`, no minutes before.
 */
function past(after: MinuteMetrics[], level?: number): HistoryWindow {
  return { before: level === undefined ? [] : Array.from({ length: LEVEL_MINUTES }, () => minute(level)), after };
}

function input(overrides: Partial<PolicyInput> & { shards?: number; level?: number }): PolicyInput {
  const shards = overrides.shards ?? 10;
  return {
    now: NOW,
    trigger: 'ScaleUp',
    config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000 },
    streamMode: 'PROVISIONED',
    streamStatus: 'ACTIVE',
    openShardCount: shards,
    recent: Array.from({ length: 60 }, () => minute(overrides.level ?? shards * 0.5)),
    history: [],
    calls: [],
    dayPeakShards: 0,
    ...overrides,
  };
}

describe('demandShards', () => {
  test('is the larger of bytes and records against one shard per minute', () => {
    expect(demandShards({ incomingBytes: 2 * SHARD_BYTES_PER_MINUTE, incomingRecords: 10, throttledRecords: 0 })).toBeCloseTo(2);
    expect(demandShards({ incomingBytes: 100, incomingRecords: 3 * SHARD_RECORDS_PER_MINUTE, throttledRecords: 0 })).toBeCloseTo(3);
  });

  test('counts throttled records as demand, scaling bytes by the same factor', () => {
    const m = { incomingBytes: SHARD_BYTES_PER_MINUTE, incomingRecords: 1000, throttledRecords: 1000 };
    expect(demandShards(m)).toBeCloseTo(2);
  });
});

describe('median', () => {
  test('the middle value in numeric order, or the mean of the two middle ones', () => {
    // In numeric order, not as strings ('10' < '2') and not as given.
    expect(median([9, 10, 2])).toBe(9);
    expect(median([4, 30, 2, 10])).toBe(7);
    expect(median([5])).toBe(5);
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('levelledHistory', () => {
  const after = Array.from({ length: 120 }, (_, i) => minute(i < 60 ? 10 : 30));

  test('leaves history as it is while today runs at least LEVEL_BELOW of its level then', () => {
    const recent = Array.from({ length: 60 }, () => minute(10 * LEVEL_BELOW));
    const out = levelledHistory(recent, past(after, 10));
    expect(out.scale).toBe(1);
    expect(out.forecast).toBe(after);
    // Busier than then: not scaled up either (a step would read as a new level).
    expect(levelledHistory(Array.from({ length: 60 }, () => minute(50)), past(after, 10)).scale).toBe(1);
  });

  test('scales history by today\'s level over its level then, from the means of the last LEVEL_MINUTES of each', () => {
    const halves = (older: number, low: number, high: number) =>
      Array.from({ length: 60 }, (_, i) => minute(i < 60 - LEVEL_MINUTES ? older : i % 2 ? high : low));
    // Today: a mean of 5 in the last LEVEL_MINUTES (2 and 8 in turn) after a busy half hour; then: a mean of 10.
    const recent = halves(30, 2, 8);
    const out = levelledHistory(recent, { before: halves(100, 4, 16), after });
    expect(out.scale).toBeCloseTo(0.5);
    expect(out.forecast.map(demandShards)).toEqual(after.map((m) => expect.closeTo(demandShards(m) * 0.5, 9)));
    // Throttled records scale with the rest.
    const throttled = levelledHistory(recent, past([{ incomingBytes: 0, incomingRecords: 100, throttledRecords: 100 }], 10));
    expect(throttled.forecast[0].throttledRecords).toBeCloseTo(50);
  });

  test('a producer that writes in some minutes only is read at its mean level', () => {
    // 8 shards' worth in 2 of every 5 minutes (a mean of 3.2) against a steady 2 then: busier, not scaled.
    const recent = Array.from({ length: 60 }, (_, i) => minute(i % 5 < 2 ? 8 : 0));
    expect(levelledHistory(recent, past(after, 2)).scale).toBe(1);
    // Against a steady 5 then, it is quieter: scaled by 3.2 / 5.
    expect(levelledHistory(recent, past(after, 5)).scale).toBeCloseTo(0.64);
  });

  test('without minutes before the window, or a quiet level then, history is read as it is', () => {
    const recent = Array.from({ length: 60 }, () => minute(1));
    expect(levelledHistory(recent, past(after))).toMatchObject({ scale: 1, ratio: 1 });
    // Quiet then and writing now: a stream that started since, infinitely above history's level.
    expect(levelledHistory(recent, past(after, 0))).toMatchObject({ scale: 1, ratio: Number.POSITIVE_INFINITY });
    // Quiet then and now: nothing to compare, a ratio of 1.
    expect(levelledHistory(Array.from({ length: 60 }, () => minute(0)), past(after, 0))).toMatchObject({ scale: 1, ratio: 1 });
  });

  test('compares the last LEVEL_MINUTES of each, whatever the lengths of the lookback and of the minutes before', () => {
    // 45 minutes today, the last LEVEL_MINUTES of them at 3; LEVEL_MINUTES then, at 6 (as the
    // handler reads them): half, whatever came first.
    const recent = Array.from({ length: 45 }, (_, i) => minute(i < 45 - LEVEL_MINUTES ? 20 : 3));
    expect(levelledHistory(recent, past(after, 6)).ratio).toBeCloseTo(0.5);
    // Fewer minutes before than LEVEL_MINUTES: as many of today's.
    const short = { before: Array.from({ length: 10 }, () => minute(6)), after };
    const lastTen = [...Array.from({ length: 50 }, () => minute(20)), ...Array.from({ length: 10 }, () => minute(3))];
    expect(levelledHistory(lastTen, short).ratio).toBeCloseTo(0.5);
  });
});

describe('decide', () => {
  test('scales up to the peak over target utilization', () => {
    const recent = [...Array.from({ length: 59 }, () => minute(5)), minute(14)];
    const d = decide(input({ shards: 10, recent }));
    expect(d.action).toBe('scale-up');
    expect(d.targetShards).toBe(Math.ceil(14 / DEFAULT_SCALING.targetUtilization));
    // No history and no trend: the log line gives the peak and the move, nothing expected.
    expect(d.reason).toBe('peak 14.00 shards\' worth in the last 60 min: 10 -> 15 (wanted 15)');
  });

  test('scales up from exactly scaleUpThreshold; without history, by at least N / minScaleDownRatio, exactly where that is whole', () => {
    const { minScaleDownRatio, scaleUpThreshold } = DEFAULT_SCALING;
    // Flat (not rising) at exactly scaleUpThreshold of 10 shards.
    expect(decide(input({ shards: 10, level: 10 * scaleUpThreshold }))).toMatchObject({ action: 'scale-up', targetShards: 15 });
    // 67 / 0.67 is 100, not 101.
    expect(67 / minScaleDownRatio).toBe(100);
    expect(decide(input({ shards: 67, recent: [minute(67.5)] }))).toMatchObject({ action: 'scale-up', targetShards: 100, desiredShards: 72 });
    // At minShards, a scale-up is as large as anywhere else.
    const atMin = decide(input({ shards: 10, recent: [minute(10.2)], config: { ...DEFAULT_SCALING, minShards: 10, maxShards: 100 } }));
    expect(atMin).toMatchObject({ action: 'scale-up', targetShards: 15 });
  });

  test('never more than doubles', () => {
    const d = decide(input({ shards: 4, recent: [minute(40)] }));
    expect(d.action).toBe('scale-up');
    expect(d.targetShards).toBe(8);
    expect(d.desiredShards).toBeGreaterThan(8);
  });

  test('never halves below ceil(N/2)', () => {
    const d = decide(input({ shards: 9, level: 0.1 }));
    expect(d.action).toBe('scale-down');
    expect(d.targetShards).toBe(5);
    expect(d.reason).toBe('peak 0.10 shards\' worth in the last 60 min: 9 -> 5');
  });

  test('stays within minShards and maxShards', () => {
    const up = decide(input({ shards: 10, recent: [minute(100)], config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 12 } }));
    expect(up.targetShards).toBe(12);
    const pinned = decide(input({ shards: 12, recent: [minute(100)], config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 12 } }));
    expect(pinned.action).toBe('none');
    const wanted = Math.ceil(100 / DEFAULT_SCALING.targetUtilization);
    expect(pinned.reason).toMatch(new RegExp(`at maxShards \\(12\\): demand calls for ${wanted}`));
    expect(pinned.desiredShards).toBe(wanted);
    // 9 -> 8 (minShards) would cut less than minScaleDownRatio asks.
    const down = decide(input({ shards: 9, level: 0.1, config: { ...DEFAULT_SCALING, minShards: 8, maxShards: 100 } }));
    expect(down.action).toBe('none');
    expect(down.reason).toMatch(/saves too little/);
    const floor = decide(input({ shards: 16, level: 0.1, config: { ...DEFAULT_SCALING, minShards: 8, maxShards: 100 } }));
    expect(floor.targetShards).toBe(8);
    // At minShards and quiet: nothing to do.
    const atMin = decide(input({ shards: 8, level: 0.1, config: { ...DEFAULT_SCALING, minShards: 8, maxShards: 100 } }));
    expect(atMin).toMatchObject({ action: 'none', targetShards: 8, reason: '8 shards fit a peak of 0.10 shards\' worth' });
    // At maxShards and quiet: a scale-down like any other.
    const atMax = decide(input({ shards: 12, level: 1, config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 12 } }));
    expect(atMax).toMatchObject({ action: 'scale-down', targetShards: 6, reason: 'peak 1.00 shards\' worth in the last 60 min: 12 -> 6' });
    // At maxShards with demand that wants exactly maxShards: it fits.
    const full = decide(input({ shards: 12, level: 11, config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 12 } }));
    expect(full).toMatchObject({ action: 'none', desiredShards: 12, reason: '12 shards fit a peak of 11.00 shards\' worth' });
  });

  test('moves a stream below minShards up to it', () => {
    const d = decide(input({ shards: 2, level: 0.1, config: { ...DEFAULT_SCALING, minShards: 3, maxShards: 100 } }));
    expect(d.action).toBe('scale-up');
    expect(d.targetShards).toBe(3);
    // To minShards, not to N / minScaleDownRatio (7.5) as a scale-up without history would.
    const config = { ...DEFAULT_SCALING, minShards: 6, maxShards: 100 };
    expect(decide(input({ shards: 5, level: 0.1, config }))).toMatchObject({ action: 'scale-up', targetShards: 6 });
    // Nor does the log call the move a rise history does not foresee, though demand is rising.
    const rising = Array.from({ length: 60 }, (_, i) => minute(i < 30 ? 0.5 : 1));
    expect(decide(input({ shards: 5, recent: rising, config })).reason).toBe('peak 1.00 shards\' worth in the last 60 min, 1.17 expected: 5 -> 6 (wanted 2)');
    // Nor rising well above history (twice its level).
    const history = [past(Array.from({ length: 240 }, () => minute(0.5)), 0.5)];
    expect(decide(input({ shards: 5, recent: rising, config, history })).reason).not.toMatch(/history's level/);
    // At minShards, both notes are given as anywhere else.
    const reactive = { ...config, predictive: false };
    const climbing = Array.from({ length: 60 }, (_, i) => minute(i < 30 ? 3 : 5.9));
    expect(decide(input({ shards: 6, recent: climbing, config: reactive })).reason).toMatch(/\(rising unforeseen: met from 97\.5% of 6 shards\)/);
    const above = decide(input({ shards: 6, recent: climbing, config, history: [past(Array.from({ length: 240 }, () => minute(3)), 3)] }));
    expect(above.reason).toMatch(/\(today at 1\.97 times history's level, and rising\)/);
  });

  test('does nothing to on-demand streams', () => {
    const d = decide(input({ streamMode: 'ON_DEMAND', recent: [minute(100)] }));
    expect(d.action).toBe('none');
    expect(d.reason).toMatch(/ON_DEMAND/);
  });

  test('does nothing while the stream is UPDATING', () => {
    const d = decide(input({ streamStatus: 'UPDATING', recent: [minute(100)] }));
    expect(d.action).toBe('none');
    expect(d.reason).toMatch(/UPDATING/);
  });

  test('makes at most 10 calls in any rolling 24 h', () => {
    const calls = Array.from({ length: 10 }, (_, i) => NOW - (i + 1) * 60 * MINUTE_MS);
    const d = decide(input({ recent: [minute(100)], calls }));
    expect(d.action).toBe('none');
    expect(d.reason).toMatch(/budget of 10 is spent/);
    // Calls older than 24 h do not count.
    const old = calls.map((c) => c - DAY_MS);
    expect(decide(input({ recent: [minute(100)], calls: old })).action).toBe('scale-up');
  });

  test('waits scaleDownMinutes after the last call before a scale-down, the minutes the ScaleDown alarm judges', () => {
    const { scaleDownMinutes } = DEFAULT_SCALING;
    // A scale-up from 10 to 15 shards a moment ago; demand at 8 shards' worth, which 9 shards take.
    const after = (minutes: number, extra: Partial<PolicyInput> = {}) =>
      decide(input({ shards: 15, level: 8, trigger: 'ScaleDown', calls: [NOW - minutes * MINUTE_MS], ...extra }));
    const held = after(2);
    expect(held.action).toBe('none');
    expect(held.targetShards).toBe(15);
    expect(held.reason).toBe(`15 shards kept: the last UpdateShardCount call was 2 min ago, and a scale-down waits ${scaleDownMinutes} min after a call, the minutes the ScaleDown alarm judges`);
    expect(after(scaleDownMinutes - 1).action).toBe('none');
    expect(after(scaleDownMinutes - 0.5).action).toBe('none');
    // From scaleDownMinutes on, the same minutes make the cut.
    expect(after(scaleDownMinutes)).toMatchObject({ action: 'scale-down', targetShards: 9 });
    // The last call counts, not the first; a call older than 24 h, or none, holds nothing.
    expect(decide(input({ shards: 15, level: 8, calls: [NOW - 120 * MINUTE_MS, NOW - 3 * MINUTE_MS] })).action).toBe('none');
    expect(decide(input({ shards: 15, level: 8, calls: [NOW - DAY_MS - 3 * MINUTE_MS] })).action).toBe('scale-down');
    // A call recorded after this invocation's clock (a skewed clock, an edited table) is not
    // counted, as in the 24-hour budget; the one before it is.
    expect(decide(input({ shards: 15, level: 8, calls: [NOW + 60 * MINUTE_MS] })).action).toBe('scale-down');
    expect(decide(input({ shards: 15, level: 8, calls: [NOW - 3 * MINUTE_MS, NOW + 60 * MINUTE_MS] })).reason).toMatch(/call was 3 min ago/);
    // A call at this very minute counts.
    expect(decide(input({ shards: 15, level: 8, calls: [NOW] })).reason).toMatch(/call was 0 min ago/);
    // It follows scaleDownMinutes.
    expect(after(4, { config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, scaleDownMinutes: 5 } }).action).toBe('none');
    expect(after(5, { config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, scaleDownMinutes: 5 } }).action).toBe('scale-down');
    // A scale-up is not held.
    expect(after(1, { recent: [minute(20)] })).toMatchObject({ action: 'scale-up', targetShards: Math.ceil(15 / DEFAULT_SCALING.minScaleDownRatio) });
    // Nor is a stream above maxShards brought down to it; one at maxShards waits like any other.
    expect(after(1, { config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 12 } })).toMatchObject({ action: 'scale-down', targetShards: 9 });
    expect(after(2, { config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 15 } }).reason).toMatch(/call was 2 min ago/);
  });

  test('keeps the last calls of the budget for scaling up', () => {
    const reserve = DEFAULT_SCALING.scaleUpReserve;
    const calls = Array.from({ length: 10 - reserve }, (_, i) => NOW - (i + 1) * MINUTE_MS * 30);
    const down = decide(input({ shards: 20, level: 1, calls }));
    expect(down.action).toBe('none');
    expect(down.reason).toMatch(new RegExp(`last ${reserve} are kept for scaling up`));
    const up = decide(input({ shards: 20, recent: [minute(30)], calls }));
    expect(up.action).toBe('scale-up');
  });

  test('keeps one fewer for scaling up when history expects the new count to last the forecast window', () => {
    const { scaleUpReserve, forecastMinutes } = DEFAULT_SCALING;
    const callsMade = (count: number) => Array.from({ length: count }, (_, i) => NOW - (i + 1) * MINUTE_MS * 30);
    const calls = callsMade(10 - scaleUpReserve);
    // An evening: 20 shards, 1 shard's worth now, and history a quiet 4 hours (at today's level).
    const quiet = [past(Array.from({ length: forecastMinutes }, () => minute(1)), 1)];
    const down = decide(input({ shards: 20, level: 1, trigger: 'ScaleDown', calls, history: quiet }));
    expect(down.action).toBe('scale-down');
    expect(down.targetShards).toBe(10);
    expect(down.reason).toBe('peak 1.00 shards\' worth in the last 60 min, 1.00 expected: 20 -> 10');
    // The last call is kept all the same.
    const last = decide(input({ shards: 20, level: 1, trigger: 'ScaleDown', calls: callsMade(9), history: quiet }));
    expect(last.action).toBe('none');
    expect(last.reason).toBe('9 calls in the last 24 h: no scale-down spends the last one, kept for scaling up');
    // With a reserve of 3, two are kept however long the new count lasts.
    const three = { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, scaleUpReserve: 3 };
    const two = decide(input({ shards: 20, level: 1, trigger: 'ScaleDown', calls: callsMade(8), history: quiet, config: three }));
    expect(two.reason).toBe('8 calls in the last 24 h: no scale-down spends the last 2, kept for scaling up');
    // History that needs more than the new count within the window (11 shards' worth at the end,
    // below the 20 that would hold the scale-down off): the full reserve.
    const busier = [past(Array.from({ length: forecastMinutes }, (_, i) => minute(i === forecastMinutes - 1 ? 11 : 1)), 1)];
    const held = decide(input({ shards: 20, level: 1, trigger: 'ScaleDown', calls, history: busier }));
    expect(held.action).toBe('none');
    expect(held.reason).toMatch(new RegExp(`last ${scaleUpReserve} are kept for scaling up$`));
    // Without history, or with history it does not trust (today rising well above it): the full reserve.
    expect(decide(input({ shards: 20, level: 1, trigger: 'ScaleDown', calls })).action).toBe('none');
    const rising = Array.from({ length: 60 }, (_, i) => minute(i < 40 ? 0.5 : 2));
    const aboveHistory = decide(input({ shards: 20, recent: rising, trigger: 'ScaleDown', calls, history: quiet }));
    expect(aboveHistory.action).toBe('none');
    expect(aboveHistory.reason).toMatch(new RegExp(`last ${scaleUpReserve} are kept for scaling up$`));
  });

  test('climbBackShards: the fewest shards that the calls, each at most doubling, take back to a count', () => {
    expect(climbBackShards(64, 2)).toBe(16);
    expect(climbBackShards(57, 2)).toBe(15);
    expect(climbBackShards(64, 6)).toBe(1);
    expect(climbBackShards(64, 0)).toBe(64);
  });

  test('climb-back: which calls count, and where history and the reserve come in', () => {
    const quiet = [past(Array.from({ length: DEFAULT_SCALING.forecastMinutes }, () => minute(1)), 1)];
    const base = { shards: 30, level: 1, trigger: 'ScaleDown' as const, dayPeakShards: 60 };
    const inWindow = Array.from({ length: 4 }, (_, i) => NOW - (i + 1) * MINUTE_MS * 30);
    const ageingAt = (minutes: number) => [...Array.from({ length: 3 }, () => NOW - DAY_MS + minutes * MINUTE_MS), ...inWindow];
    // Calls older than 24 hours are neither counted as made nor as freed: with 7 made in the 24
    // hours, 2 are left, so 16.
    const seven = Array.from({ length: 7 }, (_, i) => NOW - (i + 1) * MINUTE_MS * 30);
    const old = Array.from({ length: 3 }, () => NOW - DAY_MS - MINUTE_MS);
    expect(decide(input({ ...base, history: quiet, calls: [...old, ...seven] })).targetShards).toBe(16);
    // With quiet history, calls that age out UP_AHEAD_MINUTES before its window ends are freed (15),
    // later ones are not (16).
    const end = DEFAULT_SCALING.forecastMinutes - UP_AHEAD_MINUTES;
    expect(decide(input({ ...base, history: quiet, calls: ageingAt(end) })).targetShards).toBe(15);
    expect(decide(input({ ...base, history: quiet, calls: ageingAt(end + 1) })).targetShards).toBe(16);
    // History that outgrows 15 shards from minute 90: freed only if they age out UP_AHEAD_MINUTES before.
    const busyFrom = (k: number, level = 1) =>
      [past(Array.from({ length: DEFAULT_SCALING.forecastMinutes }, (_, i) => minute(i < k ? level : 14.3 * level)), level)];
    expect(decide(input({ ...base, history: busyFrom(90), calls: ageingAt(90 - UP_AHEAD_MINUTES) })).targetShards).toBe(15);
    expect(decide(input({ ...base, history: busyFrom(90), calls: ageingAt(91 - UP_AHEAD_MINUTES) })).targetShards).toBe(16);
    // A minute that 15 shards run at exactly targetUtilization does not outgrow them.
    expect(15 * DEFAULT_SCALING.targetUtilization).toBe(14.25);
    const exactly = [past(Array.from({ length: DEFAULT_SCALING.forecastMinutes }, (_, i) => minute(i < 90 ? 1 : 14.25)), 1)];
    expect(decide(input({ ...base, history: exactly, calls: ageingAt(91 - UP_AHEAD_MINUTES) })).targetShards).toBe(15);
    // Calls made exactly 24 hours ago are out of the window: neither made nor freed.
    expect(decide(input({ ...base, history: quiet, calls: [...Array.from({ length: 3 }, () => NOW - DAY_MS), ...seven] })).targetShards).toBe(16);
    // History levelled down to a quiet today (an outage: today 1, then 20) is read as it was: 20
    // shards' worth, more than 15 take from the first minute, so no call is freed. Levelled,
    // it would have freed those that age out by minute 60.
    const outage = decide(input({ ...base, history: busyFrom(90, 20), calls: ageingAt(60) }));
    expect(outage.historyScale).toBeCloseTo(0.05);
    expect(outage.targetShards).toBe(16);
    expect(decide(input({ ...base, history: busyFrom(90), calls: ageingAt(60) })).targetShards).toBe(15);
    // History not trusted (today rising well above it): no call is freed.
    const rising = Array.from({ length: 60 }, (_, i) => minute(i < 40 ? 0.5 : 2));
    expect(decide(input({ ...base, recent: rising, history: quiet, calls: ageingAt(60) })).targetShards).toBe(16);
    // scaleUpReserve 1: the last call stays for scaling up even when history expects the new count to last.
    const config = { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, scaleUpReserve: 1 };
    const nine = Array.from({ length: 9 }, (_, i) => NOW - (i + 1) * MINUTE_MS * 30);
    const kept = decide(input({ ...base, dayPeakShards: 1, config, history: quiet, calls: nine }));
    expect(kept.action).toBe('none');
    expect(kept.reason).toBe('9 calls in the last 24 h: no scale-down spends the last one, kept for scaling up');
    // History shorter than the forecast window does not vouch for the new count: the full reserve.
    const eight = Array.from({ length: 8 }, (_, i) => NOW - (i + 1) * MINUTE_MS * 30);
    const short = [past(Array.from({ length: 30 }, () => minute(1)), 1)];
    expect(decide(input({ ...base, dayPeakShards: 1, history: short, calls: eight })).reason).toBe('8 calls in the last 24 h: the last 2 are kept for scaling up');
    expect(decide(input({ ...base, dayPeakShards: 1, history: quiet, calls: eight })).action).toBe('scale-down');
    // The reduced reserve needs history's whole window to fit the count the scale-down goes to:
    // a minute at 9.5 shards' worth (10 shards at 95%) 200 minutes ahead fits 10 ...
    const fits = (peak: number) => [past(Array.from({ length: DEFAULT_SCALING.forecastMinutes }, (_, i) => minute(i === 200 ? peak : 1)), 1)];
    expect(decide(input({ ...base, shards: 20, dayPeakShards: 1, history: fits(9.5), calls: eight })).targetShards).toBe(10);
    // ... one at 9.6 does not.
    expect(decide(input({ ...base, shards: 20, dayPeakShards: 1, history: fits(9.6), calls: eight })).action).toBe('none');
    // ... and the count is the one the climb-back leaves: 16, not 15 (a day's peak of 31 shards, 1 call left).
    const raised = decide(input({ ...base, dayPeakShards: 29.4, history: fits(15), calls: eight }));
    expect(raised.action).toBe('scale-down');
    expect(raised.targetShards).toBe(16);
    // When the peak alone saves too little, the log says so, not the climb-back.
    expect(decide(input({ ...base, shards: 20, level: 13, calls: inWindow })).reason).toBe('scale-down 20 -> 14 saves too little to spend a call on');
  });

  test('writtenShards counts successful writes only', () => {
    const m = { incomingBytes: SHARD_BYTES_PER_MINUTE, incomingRecords: 1000, throttledRecords: 300 * SHARD_RECORDS_PER_MINUTE };
    expect(writtenShards(m)).toBeCloseTo(1);
    expect(demandShards(m)).toBeGreaterThan(300);
    // The busiest minute of successful writes: the retry storm's minute counts as 1, not 300.
    expect(peakWrittenShards([minute(2), m, minute(3), minute(0.5)])).toBeCloseTo(3);
    expect(peakWrittenShards([m])).toBeCloseTo(1);
    expect(peakWrittenShards([])).toBe(0);
  });

  test('a scale-down leaves calls enough to climb back to the last 24 hours\' busiest minute', () => {
    // The day's busiest minute needs 64 shards (60 shards' worth at 95%); now 1 shard's worth.
    const night = (shards: number, used: number, extra: Partial<PolicyInput> = {}) => decide(input({
      shards,
      level: 1,
      trigger: 'ScaleDown',
      dayPeakShards: 60,
      calls: Array.from({ length: used }, (_, i) => NOW - (i + 1) * MINUTE_MS * 30),
      ...extra,
    }));
    // 5 calls made: 4 left after this one, enough from 10 (10 -> 20 -> 40 -> 80).
    expect(night(20, 5).targetShards).toBe(10);
    // 7 made: 2 left, which take 16 to 64 but not 10: the stream keeps 20 (16 saves too little).
    const held = night(20, 7);
    expect(held.action).toBe('none');
    expect(held.reason).toBe('20 shards kept: 10 could not climb back to the 64 shards of the last 24 hours\' busiest minute with the 2 calls it would have, and 16 saves too little');
    // 8 made: 1 left, which takes 32 to 64: nothing below 20 could get back.
    expect(night(20, 8).reason).toBe('20 shards kept: 10 could not climb back to the 64 shards of the last 24 hours\' busiest minute with the 1 call it would have');
    // From 32, the one call takes exactly 32 back to 64: the count is kept, and saves nothing.
    expect(night(32, 8).reason).toBe('32 shards kept: 16 could not climb back to the 64 shards of the last 24 hours\' busiest minute with the 1 call it would have');
    // From 30, the scale-down goes as far as the calls allow: 16, not 15.
    const partial = night(30, 7);
    expect(partial.action).toBe('scale-down');
    expect(partial.targetShards).toBe(16);
    expect(partial.reason).toMatch(/\(not below 16: the 2 calls it would have climb back from there to the 64 shards of the last 24 hours' busiest minute\): 30 -> 16$/);
    // Without a busy minute in the day, nothing holds it.
    expect(night(30, 7, { dayPeakShards: 1 }).targetShards).toBe(15);
    // History that expects no more than the new count for its whole window: the calls that age
    // out before its end count too (3 of the 7, made 22 hours ago), so it goes to 15.
    const ageing = [
      ...Array.from({ length: 3 }, () => NOW - DAY_MS + 120 * MINUTE_MS),
      ...Array.from({ length: 4 }, (_, i) => NOW - (i + 1) * MINUTE_MS * 30),
    ];
    const quiet = [past(Array.from({ length: DEFAULT_SCALING.forecastMinutes }, () => minute(1)), 1)];
    expect(night(30, 0, { calls: ageing, history: quiet }).targetShards).toBe(15);
    // The same calls without history: 16.
    expect(night(30, 0, { calls: ageing }).targetShards).toBe(16);
    // History that expects more than 15 shards take from 90 minutes on, before those calls age
    // out (and after the lookback's 60, so that it does not size the scale-down itself): 16.
    const laterBusy = [past(Array.from({ length: DEFAULT_SCALING.forecastMinutes }, (_, i) => minute(i < 90 ? 1 : 14.3)), 1)];
    const early = night(30, 0, { calls: ageing, history: laterBusy });
    expect(early.targetShards).toBe(16);
    expect(early.reason).toMatch(/not below 16/);
  });

  test('spends calls only on large scale-downs', () => {
    const { targetUtilization, minScaleDownRatio } = DEFAULT_SCALING;
    // 10 shards; the largest target that is worth a call.
    const worthIt = Math.floor(10 * minScaleDownRatio);
    // A peak that asks for one shard more than that: no call.
    const small = decide(input({ shards: 10, level: (worthIt + 0.5) * targetUtilization }));
    expect(small.desiredShards).toBe(worthIt + 1);
    expect(small.action).toBe('none');
    expect(small.reason).toMatch(/saves too little/);
    // A peak that fits `worthIt` shards: scale down to it.
    const large = decide(input({ shards: 10, level: (worthIt - 0.5) * targetUtilization }));
    expect(large.action).toBe('scale-down');
    expect(large.targetShards).toBe(worthIt);
  });

  test('predictive: keeps capacity for what followed the same time a week ago', () => {
    // 30 shards' worth arrives within the next UP_AHEAD_MINUTES: scale up now (at most 2N).
    const soon = [past(Array.from({ length: 240 }, (_, i) => minute(i > UP_AHEAD_MINUTES / 2 ? 30 : 2)))];
    const withHistory = decide(input({ shards: 10, level: 1, history: soon }));
    expect(withHistory.forecastPeakShards).toBeCloseTo(30);
    expect(withHistory.action).toBe('scale-up');
    expect(withHistory.targetShards).toBe(20);
    const config = { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, predictive: false };
    const notPredictive = decide(input({ shards: 10, level: 1, history: soon, config }));
    expect(notPredictive.forecastPeakShards).toBe(0);
    expect(notPredictive.action).toBe('scale-down');
  });

  test('predictive: a peak history expects after UP_AHEAD_MINUTES holds capacity, but does not yet call for more', () => {
    const { lookbackMinutes } = DEFAULT_SCALING;
    expect(UP_AHEAD_MINUTES).toBeLessThan(lookbackMinutes);
    // 14 shards' worth expected from UP_AHEAD_MINUTES on, within the lookback; 5 until then.
    const at = (from: number, top = 14) => [past(Array.from({ length: 240 }, (_, i) => minute(i >= from ? top : 5)), 5)];
    const later = decide(input({ shards: 10, level: 5, history: at(UP_AHEAD_MINUTES) }));
    expect(later.forecastPeakShards).toBeCloseTo(14);
    expect(later.action).toBe('none');
    expect(later.reason).toMatch(/history expects 14.00 shards' worth within 60 min, not within 30: 10 shards until it comes nearer/);
    // So is one at exactly scaleUpThreshold of the shards: 9 of 10 under a threshold of 0.9.
    const lower = { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, targetUtilization: 0.8, scaleUpThreshold: 0.9 };
    expect(decide(input({ shards: 10, level: 5, config: lower, history: at(UP_AHEAD_MINUTES, 9) })).reason).toMatch(/^history expects 9.00 shards' worth/);
    expect(decide(input({ shards: 10, level: 5, config: lower, history: at(UP_AHEAD_MINUTES, 8.9) })).reason).toBe('10 shards fit a peak of 8.90 shards\' worth');
    // A minute sooner, it calls for the scale-up, sized for the peak.
    const sooner = decide(input({ shards: 10, level: 5, history: at(UP_AHEAD_MINUTES - 1) }));
    expect(sooner.action).toBe('scale-up');
    expect(sooner.targetShards).toBe(15);
    // And the later peak holds the 10 shards that 5 shards' worth alone would halve.
    const down = decide(input({ shards: 10, level: 5, trigger: 'ScaleDown', history: at(UP_AHEAD_MINUTES) }));
    expect(down.action).toBe('none');
    expect(decide(input({ shards: 10, level: 5, trigger: 'ScaleDown' })).action).toBe('scale-down');
  });

  test('predictive: a scale-up sizes for the peak of the whole forecast window', () => {
    const { lookbackMinutes, targetUtilization } = DEFAULT_SCALING;
    // A full minute now (10.2 of 10 shards), and 16 shards' worth expected later in the window.
    const later = [past(Array.from({ length: 240 }, (_, i) => minute(i > lookbackMinutes + 30 ? 16 : 9)))];
    const d = decide(input({ shards: 10, recent: [minute(10.2)], history: later }));
    expect(d.action).toBe('scale-up');
    expect(d.targetShards).toBe(Math.min(20, Math.ceil(16 / targetUtilization)));
  });

  test('predictive: no scale-down of the capacity that history says the forecast window needs again', () => {
    const { lookbackMinutes, forecastMinutes, targetUtilization } = DEFAULT_SCALING;
    // 20 shards, 4 shards' worth now and in the next lookback window: alone, that is a scale-down.
    const quietThenBusy = (busy: number) =>
      [past(Array.from({ length: forecastMinutes }, (_, i) => minute(i > lookbackMinutes + 60 ? busy : 4)), 4)];
    // Later in the forecast window, demand needs the 20 shards again: keep them (no call spent twice).
    const kept = decide(input({ shards: 20, level: 4, trigger: 'ScaleDown', history: quietThenBusy(19 * targetUtilization + 0.1) }));
    expect(kept.action).toBe('none');
    expect(kept.reason).toMatch(/history expects .* within 240 min: 20 shards are kept/);
    // Later demand that fits fewer shards does not hold the scale-down back.
    const down = decide(input({ shards: 20, level: 4, trigger: 'ScaleDown', history: quietThenBusy(18 * targetUtilization) }));
    expect(down.action).toBe('scale-down');
    expect(down.targetShards).toBe(10);
  });

  test('predictive: history from a busier day is scaled down to today\'s level', () => {
    const { targetUtilization } = DEFAULT_SCALING;
    // A Saturday after a Friday: a day ago ran at 20 shards' worth and went on to 40; today runs at 11.
    const friday = past(Array.from({ length: 240 }, (_, i) => minute(i < 10 ? 20 : 40)), 20);
    const d = decide(input({ shards: 16, level: 11, history: [friday] }));
    expect(d.historyScale).toBeCloseTo(11 / 20);
    expect(d.forecastPeakShards).toBeCloseTo(40 * (11 / 20));
    expect(d.action).toBe('scale-up');
    expect(d.targetShards).toBe(Math.ceil((40 * 11) / 20 / targetUtilization));
    expect(d.reason).toMatch(/history scaled by 0\.55 to today's level/);
    // Read as it is, the same history would have doubled the stream.
    const asIs = decide(input({ shards: 16, level: 11, history: [past(friday.after, 11)] }));
    expect(asIs.historyScale).toBe(1);
    expect(asIs.targetShards).toBe(32);
  });

  test('history scaled to nothing sizes no scale-up: it is as large a move as without history', () => {
    // No writes in the last LEVEL_MINUTES, a full minute (10.2 of 10 shards) before them.
    const recent = Array.from({ length: 60 }, (_, i) => minute(i === 10 ? 10.2 : i < 60 - LEVEL_MINUTES ? 5 : 0));
    const d = decide(input({ shards: 10, recent, history: [past(Array.from({ length: 240 }, () => minute(6)), 6)] }));
    expect(d.historyScale).toBe(0);
    expect(d.action).toBe('scale-up');
    expect(d.targetShards).toBe(Math.ceil(10 / DEFAULT_SCALING.minScaleDownRatio));
  });

  test('the scheduled check acts on a peak history expects within SCHEDULE_AHEAD_MINUTES, not on a later one', () => {
    const { targetUtilization } = DEFAULT_SCALING;
    // 10 shards at 7 shards' worth (no alarm would fire); a week ago 16 came at minute `at`.
    const peakAt = (at: number, top = 16) => [past(Array.from({ length: 240 }, (_, i) => minute(i === at ? top : 7)), 7)];
    const soon = decide(input({ shards: 10, level: 7, trigger: 'Schedule', history: peakAt(SCHEDULE_AHEAD_MINUTES - 1) }));
    expect(soon.action).toBe('scale-up');
    expect(soon.targetShards).toBe(Math.ceil(16 / targetUtilization));
    const later = decide(input({ shards: 10, level: 7, trigger: 'Schedule', history: peakAt(SCHEDULE_AHEAD_MINUTES + 5) }));
    expect(later.action).toBe('none');
    expect(later.reason).toMatch(/scheduled check: history and the recent trend expect 7.00 shards' worth within 20 min, which 10 shards take/);
    // A peak at exactly scaleUpThreshold of the shards is met; under a lower threshold, so is one
    // that reaches that (9 of 10 shards), not only one of 10 / 0.9.
    expect(decide(input({ shards: 10, level: 7, trigger: 'Schedule', history: peakAt(10, 10) })).action).toBe('scale-up');
    const lower = { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, targetUtilization: 0.8, scaleUpThreshold: 0.9 };
    expect(decide(input({ shards: 10, level: 7, trigger: 'Schedule', config: lower, history: peakAt(10, 10) })).action).toBe('scale-up');
    expect(decide(input({ shards: 10, level: 7, trigger: 'Schedule', config: lower, history: peakAt(10, 8.9) })).action).toBe('none');
    // An alarm invocation at the same moment looks a whole lookback ahead.
    expect(decide(input({ shards: 10, level: 7, trigger: 'ScaleUp', history: peakAt(SCHEDULE_AHEAD_MINUTES + 5) })).action).toBe('scale-up');
    // Without history, and with a single minute (so no trend), the check does not act, even on a
    // full minute an alarm would act on.
    const full = [minute(10.2)];
    expect(decide(input({ shards: 10, recent: full, trigger: 'ScaleUp' })).action).toBe('scale-up');
    expect(decide(input({ shards: 10, recent: full, trigger: 'Schedule' })).action).toBe('none');
    // With a lookback shorter than SCHEDULE_AHEAD_MINUTES, the peak it acts on still sizes the stream.
    const shortLookback = { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, lookbackMinutes: 5 };
    const short = decide(input({ shards: 10, level: 7, trigger: 'Schedule', config: shortLookback, history: peakAt(SCHEDULE_AHEAD_MINUTES - 5) }));
    expect(short.action).toBe('scale-up');
    expect(short.forecastPeakShards).toBeCloseTo(16);
  });

  test('the scheduled check also acts on where a steady climb leads within SCHEDULE_AHEAD_MINUTES', () => {
    // No history (a stream's first day). A steady climb of `slope` shards' worth a minute that
    // reaches 9 of 10 shards in the last minute, above the ScaleUp alarm's 85%.
    const climb = (slope: number) => Array.from({ length: 60 }, (_, i) => minute(9 - slope * (59 - i)));
    // 0.06 a minute: 9 + 15 * 0.06 = 9.9 (under 10) within the alarms' 15-minute horizon, and
    // 9 + 20 * 0.06 = 10.2 within the check's 20.
    const scheduled = decide(input({ shards: 10, trigger: 'Schedule', recent: climb(0.06) }));
    expect(scheduled.action).toBe('scale-up');
    expect(scheduled.forecastPeakShards).toBeCloseTo(9 + SCHEDULE_AHEAD_MINUTES * 0.06);
    // Sized as any scale-up without history: at least N / minScaleDownRatio.
    expect(scheduled.targetShards).toBe(Math.ceil(10 / DEFAULT_SCALING.minScaleDownRatio));
    // An alarm invocation on the same minutes projects only TREND_HORIZON_MINUTES ahead, 9.9: with
    // history at today's level (so that scaleUpThreshold applies, see scaleUpAt), no move; the
    // scheduled check, with the same history, moves.
    const history = [past(Array.from({ length: 240 }, () => minute(5)), mean(climb(0.06).slice(-LEVEL_MINUTES)))];
    expect(decide(input({ shards: 10, trigger: 'ScaleUp', recent: climb(0.06), history })).action).toBe('none');
    expect(decide(input({ shards: 10, trigger: 'Schedule', recent: climb(0.06), history })).action).toBe('scale-up');
    // A slower climb stays under 10 within 20 minutes (9 + 20 * 0.045 = 9.9): the check does nothing.
    const slow = decide(input({ shards: 10, trigger: 'Schedule', recent: climb(0.045) }));
    expect(slow.action).toBe('none');
    expect(slow.reason).toMatch(/history and the recent trend expect 9.90 shards' worth within 20 min, which 10 shards take/);
    // A ScaleDown alarm that the climb holds back says so: a climb of 0.2 a minute to 20 leads to
    // 24 within SCHEDULE_AHEAD_MINUTES, which 26 shards take; the peak and the alarms' trend want 25.
    const steep = Array.from({ length: 60 }, (_, i) => minute(20 - 0.2 * (59 - i)));
    const heldByClimb = decide(input({ shards: 26, trigger: 'ScaleDown', recent: steep }));
    expect(heldByClimb).toMatchObject({ action: 'none', desiredShards: 25 });
    expect(heldByClimb.reason).toBe(`26 shards kept: the climb under way wants 26 within ${SCHEDULE_AHEAD_MINUTES} min`);
    // A flat level just as high: no trend, so nothing either.
    expect(decide(input({ shards: 10, trigger: 'Schedule', level: 9.5 })).action).toBe('none');
    // A step from 3 to 8, 30 minutes ago and level since, is no climb: the quarters' medians go
    // 3, 3, 8, 8. (Read as a trend over the hour, (8 - 3) / 45 a minute, it would expect 10.2.)
    const step = [...Array.from({ length: 30 }, () => minute(3)), ...Array.from({ length: 30 }, () => minute(8))];
    const afterStep = decide(input({ shards: 10, trigger: 'Schedule', recent: step }));
    expect(afterStep.action).toBe('none');
    expect(afterStep.reason).toMatch(/expect 0.00 shards' worth within 20 min/);
  });

  test('a scale-up by the scheduled check is not undone by the next scale-down check', () => {
    // 32 minutes flat at 4, then a 28-minute climb of 0.13 a minute to 7.5 (the climb's own
    // quarters: the hour's are 4, 4, then rising, not a steady climb).
    const recent = [
      ...Array.from({ length: 32 }, () => minute(4)),
      ...Array.from({ length: 28 }, (_, j) => minute(7.5 - 0.13 * (27 - j))),
    ];
    // Within 20 minutes: 7.5 + 20 * 0.13 = 10.1 of 10 shards, so the check scales up, to 15.
    const up = decide(input({ shards: 10, trigger: 'Schedule', recent }));
    expect(up.action).toBe('scale-up');
    expect(up.targetShards).toBe(15);
    // The alarms' 15 minutes expect 7.5 + 15 * 0.13 = 9.45: under 97.5% of 10, no move.
    expect(decide(input({ shards: 10, trigger: 'ScaleUp', recent })).action).toBe('none');
    // At 15 shards, 9.45 alone would allow 15 -> 10 (a third saved). The climb's 10.1 within 20
    // minutes wants 11, which saves too little: the scheduled check would scale straight back up.
    const down = decide(input({ shards: 15, trigger: 'ScaleDown', recent }));
    expect(down.action).toBe('none');
    expect(down.reason).toMatch(/scale-down 15 -> 11 saves too little/);
  });

  test('isRising compares the medians of the first and last quarter, so bursts are not a rise', () => {
    // A straight climb over 60 minutes: the quarters' medians are minutes 7 and 52.
    const ramp = (from: number, to: number) => Array.from({ length: 60 }, (_, i) => minute(from + ((to - from) * i) / 59));
    const medianRatio = (from: number, to: number) => (from + ((to - from) * 52) / 59) / (from + ((to - from) * 7) / 59);
    // A climb from 10 to 11.35 puts the medians 1.12 apart; one to 11.1, 1.09 apart.
    expect(medianRatio(10, 11.35)).toBeGreaterThan(RISING);
    expect(isRising(ramp(10, 11.35))).toBe(true);
    expect(medianRatio(10, 11.1)).toBeLessThan(RISING);
    expect(isRising(ramp(10, 11.1))).toBe(false);
    // A flat level with a burst every 15 minutes, the last one in the final minute.
    expect(isRising(Array.from({ length: 60 }, (_, i) => minute(i % 15 === 14 ? 30 : 10)))).toBe(false);
    // Fewer than 12 minutes (3 a quarter) say nothing; nor does a stream with no writes.
    expect(isRising(ramp(1, 20).slice(0, 11))).toBe(false);
    expect(isRising(ramp(1, 20).slice(0, 12))).toBe(true);
    expect(isRising(Array.from({ length: 60 }, () => minute(0)))).toBe(false);
    // The last quarter's median at exactly RISING times the first's is a rise.
    const quarters = (early: number, late: number) =>
      Array.from({ length: 60 }, (_, i) => minute(i < 15 ? early : i < 45 ? (early + late) / 2 : late));
    expect(isRising(quarters(10, 11))).toBe(true);
    expect(isRising(quarters(10, 10.99))).toBe(false);
    // A single quiet minute in the middle of the first quarter moves its median no more than a burst.
    expect(isRising(Array.from({ length: 60 }, (_, i) => minute(i === 7 ? 0 : 10)))).toBe(false);
  });

  test('with today rising well above history\'s level, a scale-up is at least as large as without history', () => {
    const { minScaleDownRatio, targetUtilization } = DEFAULT_SCALING;
    const large = Math.ceil(10 / minScaleDownRatio);
    // A Monday read from a Sunday: history went on at 8 shards' worth. Today climbs from 8 to
    // 10.2 on 10 shards.
    const climb = Array.from({ length: 60 }, (_, i) => minute(8 + (2.2 * i) / 59));
    const todayLevel = climb.slice(-LEVEL_MINUTES).reduce((sum, m) => sum + demandShards(m), 0) / LEVEL_MINUTES;
    const after = Array.from({ length: 240 }, () => minute(8));
    const atRatio = (ratio: number) => decide(input({ shards: 10, recent: climb, history: [past(after, todayLevel / ratio)] }));
    const monday = atRatio(1.93);
    expect(monday.action).toBe('scale-up');
    expect(monday.historyScale).toBe(1);
    expect(monday.targetShards).toBe(large);
    expect(monday.reason).toMatch(/today at 1\.93 times history's level, and rising/);
    // Just above and just below LEVEL_ABOVE, the 1.25 the docs give.
    expect(atRatio(1.27).targetShards).toBe(large);
    const near = atRatio(1.23);
    expect(near.action).toBe('scale-up');
    expect(near.targetShards).toBe(Math.max(Math.ceil(near.forecastPeakShards / targetUtilization), 11));
    expect(near.targetShards).toBeLessThan(large);
    expect(near.reason).not.toMatch(/history's level/);
    // Exactly LEVEL_ABOVE is well above: today's last LEVEL_MINUTES at 10 after half an hour at 5,
    // against 8 then.
    const stepUp = Array.from({ length: 60 }, (_, i) => minute(i < 60 - LEVEL_MINUTES ? 5 : 10));
    const exactly = decide(input({ shards: 10, recent: stepUp, history: [past(after, 8)] }));
    expect(exactly).toMatchObject({ action: 'scale-up', targetShards: large });
    expect(exactly.reason).toMatch(/today at 1\.25 times history's level, and rising/);
    // History that was quiet then (a stream that started writing since) is below any level today.
    const quiet = decide(input({ shards: 10, recent: climb, history: [past(after, 0)] }));
    expect(quiet.targetShards).toBe(large);
    expect(quiet.reason).toMatch(/today rising where history was quiet/);
    // Well above history but flat (a step change hours ago, now a steady level): a small move.
    const flat = Array.from({ length: 60 }, (_, i) => minute(i === 59 ? 10.2 : 9));
    const level = decide(input({ shards: 10, recent: flat, history: [past(after, 9 / 1.8)] }));
    expect(level.action).toBe('scale-up');
    expect(level.targetShards).toBe(Math.ceil(10.2 / targetUtilization));
  });

  test('counts calls in the rolling window only', () => {
    expect(callsInWindow([NOW - DAY_MS, NOW - DAY_MS + 1, NOW], NOW)).toBe(2);
    // Nor a call recorded after `now` (a skewed clock, an edited table).
    expect(callsInWindow([NOW + 1], NOW)).toBe(0);
  });

  test('without history a scale-up is a large move; with history the forecast sizes it', () => {
    // 10 shards, a peak of 10.2 shards' worth: the demand alone asks for 11.
    const recent = [minute(10.2)];
    const blind = decide(input({ shards: 10, recent }));
    expect(blind.desiredShards).toBe(Math.ceil(10.2 / DEFAULT_SCALING.targetUtilization));
    expect(blind.targetShards).toBe(Math.ceil(10 / DEFAULT_SCALING.minScaleDownRatio));
    const informed = decide(input({ shards: 10, recent, history: [past(Array.from({ length: 90 }, () => minute(10.2)))] }));
    expect(informed.targetShards).toBe(Math.ceil(10.2 / DEFAULT_SCALING.targetUtilization));
  });

  test('a scale-up sizes for SIZE_AHEAD_MINUTES of the forecast; all of it holds off a scale-down', () => {
    expect(SIZE_AHEAD_MINUTES).toBe(180);
    const { targetUtilization } = DEFAULT_SCALING;
    // 10.2 of 10 shards now; a week ago 10.2 for the coming hour, and 30 at minute `at`.
    const peakAt = (at: number) => [past(Array.from({ length: 240 }, (_, i) => minute(i === at ? 30 : 10.2)), 10.2)];
    const recent = Array.from({ length: 60 }, () => minute(10.2));
    const within = decide(input({ shards: 10, recent, history: peakAt(SIZE_AHEAD_MINUTES - 1) }));
    expect(within.targetShards).toBe(Math.min(20, Math.ceil(30 / targetUtilization)));
    const beyond = decide(input({ shards: 10, recent, history: peakAt(SIZE_AHEAD_MINUTES) }));
    expect(beyond.action).toBe('scale-up');
    expect(beyond.targetShards).toBe(Math.ceil(10.2 / targetUtilization));
    // 40 shards at a quiet 5 shards' worth: the peak past SIZE_AHEAD_MINUTES still keeps them.
    const quiet = Array.from({ length: 60 }, () => minute(5));
    const kept = decide(input({ shards: 40, recent: quiet, trigger: 'ScaleDown', history: [past(Array.from({ length: 240 }, (_, i) => minute(i === 230 ? 38 : 5)), 5)] }));
    expect(kept.action).toBe('none');
    expect(kept.reason).toMatch(/history expects 38.00 shards' worth within 240 min: 40 shards are kept/);
  });

  test('invoked by the ScaleUp alarm below scaleUpThreshold, it scales up only for what is expected', () => {
    // 9.2 of 10 shards: the alarm (85%) fired, but the stream is not full yet.
    const recent = Array.from({ length: 60 }, () => minute(9.2));
    expect(9.2).toBeGreaterThanOrEqual(DEFAULT_SCALING.scaleUpAlarmThreshold * 10);
    expect(9.2).toBeLessThan(DEFAULT_SCALING.scaleUpThreshold * 10);
    const flat = decide(input({ shards: 10, recent }));
    expect(flat.action).toBe('none');
    // The same minute with 12 shards' worth in the next hour a week ago: scale up now, ahead of it.
    const ahead = decide(input({ shards: 10, recent, history: [past(Array.from({ length: 240 }, (_, i) => minute(i > 20 ? 12 : 9)))] }));
    expect(ahead.action).toBe('scale-up');
    expect(ahead.targetShards).toBe(Math.ceil(12 / DEFAULT_SCALING.targetUtilization));
    // A steady climb to 9.2 in the last hour: its trend crosses 100% within 15 minutes.
    const climbing = decide(input({ shards: 10, recent: Array.from({ length: 60 }, (_, i) => minute(6 + (3.2 * i) / 59)) }));
    expect(climbing.forecastPeakShards).toBeGreaterThan(10);
    expect(climbing.action).toBe('scale-up');
  });

  test('a rising trend is carried ahead; a single burst is not a trend', () => {
    const rising = Array.from({ length: 60 }, (_, i) => minute(5 + i * 0.1));
    const d = decide(input({ shards: 20, recent: rising }));
    expect(d.forecastPeakShards).toBeGreaterThan(d.recentPeakShards);
    const burst = [...Array.from({ length: 59 }, () => minute(5)), minute(15)];
    expect(decide(input({ shards: 20, recent: burst })).forecastPeakShards).toBe(0);
  });

  test('climbSlope: a steady climb over the last CLIMB_MINUTES, and not a step, a burst or an uneven rise', () => {
    expect(CLIMB_MINUTES).toBe(28);
    const flat = (n: number, level = 10) => Array.from({ length: n }, () => minute(level));
    // 30 flat minutes at 10, then 30 climbing 0.2 a minute, to 16.
    const young = [...flat(30), ...Array.from({ length: 30 }, (_, j) => minute(10 + 0.2 * (j + 1)))];
    expect(climbSlope(young)).toBeCloseTo(0.2);
    // The whole hour's quarters see half a ramp: (14.6 - 10) / 45, about 0.1 a minute. The
    // trend takes the climb's 0.2: 16 + 15 * 0.2.
    expect(trendPeak(young, 15)).toBeCloseTo(16 + 15 * 0.2);
    // Fewer than CLIMB_MINUTES: no climb is looked for.
    expect(climbSlope(young.slice(-(CLIMB_MINUTES - 1)))).toBe(0);
    // A step from 10 to 40 anywhere in the last 30 minutes is not a climb.
    for (let at = 1; at < 30; at++) {
      expect(climbSlope([...flat(60 - at), ...flat(at, 40)])).toBe(0);
    }
    // Nor is a burst every 15 minutes, one in the last minute.
    expect(climbSlope(Array.from({ length: 60 }, (_, i) => minute(i % 15 === 14 ? 18 : 10)))).toBe(0);
    // Quarters of 7 minutes, each at one level: the medians rise by `gaps`, 3 in all from 10 (an
    // average of 1 a quarter). Each step must be at least CLIMB_EVENNESS of that average.
    const quarters = (gaps: number[]) => {
      const levels = gaps.reduce((acc, g) => [...acc, acc[acc.length - 1] + g], [10]);
      return [...flat(2), ...levels.flatMap((l) => flat(7, l))];
    };
    expect(CLIMB_EVENNESS).toBe(0.25);
    expect(climbSlope(quarters([1.25, 1.49, 0.26]))).toBeCloseTo(3 / 21);
    expect(climbSlope(quarters([1.3, 1.46, 0.24]))).toBe(0);
    // Exactly CLIMB_EVENNESS of the average is steady; any step short of it, the middle one too, is not.
    expect(climbSlope(quarters([1.25, 1.5, 0.25]))).toBeCloseTo(3 / 21);
    expect(climbSlope(quarters([1.625, 0.125, 1.25]))).toBe(0);
    // The last quarter must be at least RISING times the first: 10 to 11.1 is, 10 to 10.9 is not.
    expect(climbSlope(quarters([0.37, 0.37, 0.36]))).toBeCloseTo(1.1 / 21);
    expect(climbSlope(quarters([0.3, 0.3, 0.3]))).toBe(0);
    expect(climbSlope(quarters([0.25, 0.5, 0.25]))).toBeCloseTo(1 / 21);
    // Over another window: the whole hour of a straight climb, in quarters of 15 minutes.
    const straight = Array.from({ length: 60 }, (_, i) => minute(5 + 0.1 * i));
    expect(climbSlope(straight, 60)).toBeCloseTo(0.1);
    expect(climbSlope(straight.slice(-20), 60)).toBe(0);
    // Quarters shorter than 3 minutes are too short to say (a climb of 1 a minute, to 64).
    const steep = Array.from({ length: 60 }, (_, i) => minute(5 + i));
    expect(climbSlope(steep, 11)).toBe(0);
    expect(climbSlope(steep, 12)).toBeCloseTo(1);
    // Minutes without numbers give no climb, not NaN.
    expect(climbSlope(Array.from({ length: 30 }, () => minute(Number.NaN)))).toBe(0);
  });

  test('climbSlope: a ramp that has levelled off within the last quarter is no climb, where the quarter is long enough to tell', () => {
    // An hour: 5 at first, a ramp of 1 a minute from minute 10 to 48, then flat at 43. Quarters
    // of 15 (medians 5, 17, 32 and 43) rise steadily, but the last quarter's halves (7 minutes
    // each) both have a median of 43: the ramp is over.
    const ended = Array.from({ length: 60 }, (_, i) => minute(5 + Math.min(38, Math.max(0, i - 10))));
    expect(climbSlope(ended.slice(0, 48), 48)).toBeGreaterThan(0);
    expect(Math.floor(15 / 2)).toBeGreaterThanOrEqual(LEVELLED_HALF_MINUTES);
    expect(climbSlope(ended, 60)).toBe(0);
    expect(steadyTrendPeak(ended, 20)).toBe(0);
    // The same ramp still climbing to the end reads as one.
    const going = Array.from({ length: 60 }, (_, i) => minute(5 + Math.max(0, i - 10)));
    expect(climbSlope(going, 60)).toBeGreaterThan(0);
    // Over CLIMB_MINUTES the halves (3 minutes) are too short to tell: a last quarter that is
    // flat but for noise does not stop a climb there.
    expect(Math.floor(CLIMB_MINUTES / 8)).toBeLessThan(LEVELLED_HALF_MINUTES);
    const short = Array.from({ length: 28 }, (_, i) => minute(i < 21 ? 5 + i : 25));
    expect(climbSlope(short)).toBeGreaterThan(0);
    // Quarters of 10, halves of exactly LEVELLED_HALF_MINUTES: long enough to tell. A ramp of 1
    // a minute that stops at 37 three minutes into the last quarter has ended.
    expect(Math.floor(40 / 8)).toBe(LEVELLED_HALF_MINUTES);
    const endedIn40 = Array.from({ length: 40 }, (_, i) => minute(5 + Math.min(i, 32)));
    expect(climbSlope(endedIn40, 40)).toBe(0);
    expect(climbSlope(endedIn40.slice(0, 32), 32)).toBeGreaterThan(0);
    // The later half against the earlier half; an odd quarter's middle minute is in neither.
    // Quarters of 15 minutes at 10, 20 and 30, then a last quarter whose median is 40.
    const lastQuarter = (values: number[]) => [...[10, 20, 30].flatMap((l) => Array.from({ length: 15 }, () => l)), ...values].map(minute);
    // Later half 40 against an earlier half of 38: climbing, though the whole quarter's median is 40 too.
    const stepped = lastQuarter([38, 38, 38, 38, 38, 38, 38, 40, 40, 40, 40, 40, 40, 40, 40]);
    expect(climbSlope(stepped, 60)).toBeGreaterThan(0);
    // Later half 40 against an earlier half of 40, with a busy middle minute: levelled off,
    // though the last 8 minutes' median is above 40.
    const levelled = lastQuarter([40, 40, 40, 40, 44, 44, 44, 44, 40, 40, 40, 40, 44, 44, 44]);
    expect(climbSlope(levelled, 60)).toBe(0);
    // Later half 40 against an earlier half of 38: climbing, though the whole quarter's median is 38.
    const late = lastQuarter([38, 38, 38, 38, 42, 42, 42, 38, 38, 38, 38, 40, 40, 40, 40]);
    expect(climbSlope(late, 60)).toBeGreaterThan(0);
  });

  test('steadyTrendPeak: where a steady climb over CLIMB_MINUTES or the whole window leads', () => {
    // The whole hour climbs 0.1 a minute, to 10.9: 15 minutes ahead, 12.4.
    const straight = Array.from({ length: 60 }, (_, i) => minute(5 + 0.1 * i));
    expect(steadyTrendPeak(straight, 15)).toBeCloseTo(10.9 + 1.5);
    // At most half again the peak; nothing without a horizon.
    expect(steadyTrendPeak(straight, 600)).toBeCloseTo(10.9 * 1.5);
    expect(steadyTrendPeak(straight, 0)).toBe(0);
    expect(trendPeak(straight, 0)).toBe(0);
    // A slower climb, 0.05 a minute from 10: the last 28 minutes rise less than RISING (11.75 to
    // 12.8), the hour more (10.35 to 12.6), so the hour's climb leads: 12.95 + 15 * 0.05.
    const slow = Array.from({ length: 60 }, (_, i) => minute(10 + 0.05 * i));
    expect(climbSlope(slow)).toBe(0);
    expect(steadyTrendPeak(slow, 15)).toBeCloseTo(12.95 + 0.75);
    // Flat for 40 minutes, then 20 minutes of a steeper climb: the last 28 minutes climb 0.3 a
    // minute from minute 40, but its first quarter is partly flat; the hour is not steady.
    const late = Array.from({ length: 60 }, (_, i) => minute(i < 32 ? 5 : 5 + 0.3 * (i - 31)));
    expect(steadyTrendPeak(late, 15)).toBeCloseTo(5 + 0.3 * 28 + 15 * climbSlope(late));
    expect(climbSlope(late)).toBeGreaterThan(0);
    expect(climbSlope(late, 60)).toBe(0);
    // A step, or a flat level, leads nowhere.
    expect(steadyTrendPeak([...Array.from({ length: 30 }, () => minute(3)), ...Array.from({ length: 30 }, () => minute(8))], 15)).toBe(0);
    expect(steadyTrendPeak(Array.from({ length: 60 }, () => minute(8)), 15)).toBe(0);
  });

  test('a rise history does not foresee is met from halfway between targetUtilization and scaleUpThreshold', () => {
    const { targetUtilization, scaleUpThreshold } = DEFAULT_SCALING;
    expect(scaleUpAt(DEFAULT_SCALING, false)).toBe(scaleUpThreshold);
    expect(scaleUpAt(DEFAULT_SCALING, true)).toBeCloseTo((targetUtilization + scaleUpThreshold) / 2);
    expect(scaleUpAt({ targetUtilization: 0.7, scaleUpThreshold: 0.8 }, true)).toBeCloseTo(0.75);
    // A climb from 7 to 9.3 over the hour: 2.3 / 59 a minute, carried 15 minutes ahead, expects
    // 9.3 + 15 * 2.3 / 59 = 9.88 shards' worth of 10: between 97.5% and 100%.
    const recent = Array.from({ length: 60 }, (_, i) => minute(7 + (2.3 * i) / 59));
    const expected = 9.3 + (15 * 2.3) / 59;
    // No history: the scale-up is made, sized as without history.
    const unforeseen = decide(input({ shards: 10, recent }));
    expect(unforeseen.forecastPeakShards).toBeCloseTo(expected);
    expect(unforeseen.action).toBe('scale-up');
    expect(unforeseen.targetShards).toBe(Math.ceil(10 / DEFAULT_SCALING.minScaleDownRatio));
    expect(unforeseen.reason).toMatch(/\(rising unforeseen: met from 97.5% of 10 shards\): 10 -> 15/);
    // History at today's level, which foresees a quiet 4 hours: only scaleUpThreshold counts.
    const history = [past(Array.from({ length: 240 }, () => minute(7)), mean(recent.slice(-LEVEL_MINUTES)))];
    const foreseen = decide(input({ shards: 10, recent, history }));
    expect(foreseen.historyScale).toBe(1);
    expect(foreseen.action).toBe('none');
    expect(foreseen.reason).toMatch(/10 shards fit a peak of 9.88/);
    // Not rising: the same busiest minute, flat for the hour, is left to scaleUpThreshold too.
    const flat = decide(input({ shards: 10, recent: Array.from({ length: 60 }, () => minute(expected)) }));
    expect(flat.action).toBe('none');
    // The note is for a peak under scaleUpThreshold only: with a threshold of 0.9 (met from 85%
    // on such a rise), a peak of exactly 9 of 10 shards is not noted, one of 8.9 is.
    const lower = { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, predictive: false, targetUtilization: 0.8, scaleUpThreshold: 0.9 };
    const risingTo = (top: number) => Array.from({ length: 60 }, (_, i) => minute(i < 30 ? 6 : top));
    const atThreshold = decide(input({ shards: 10, recent: risingTo(9), config: lower }));
    expect(atThreshold.action).toBe('scale-up');
    expect(atThreshold.reason).not.toMatch(/rising unforeseen/);
    expect(decide(input({ shards: 10, recent: risingTo(8.9), config: lower })).reason).toMatch(/\(rising unforeseen: met from 85% of 10 shards\)/);
    // The move is not undone: at 15 shards, the same minutes want 11, which saves too little.
    const after = decide(input({ shards: 15, recent, trigger: 'ScaleDown' }));
    expect(after.action).toBe('none');
    expect(after.reason).toMatch(/scale-down 15 -> 11 saves too little/);
  });

  test('surgePeak: where a steady rise of the last minutes leads, read by each group\'s quietest minute', () => {
    const g = SURGE_GROUP_MINUTES;
    const flat = (level: number, count: number) => Array.from({ length: count }, () => minute(level));
    // An hour at 8, then 3g minutes rising 0.5 a minute: lows 8.5, 10 and 11.5 (each group's first).
    const ramp = [...flat(8, 60), ...Array.from({ length: 3 * g }, (_, i) => minute(8.5 + 0.5 * i))];
    // The last group's low, carried from its middle minute to SURGE_LEAD_MINUTES after the latest.
    const slope = (11.5 - 8.5) / (2 * g);
    expect(surgePeak(ramp)).toBeCloseTo(11.5 + slope * (SURGE_LEAD_MINUTES + (g - 1) / 2));
    // Fewer minutes than three groups: no reading. Three groups alone are read, against their own median (13).
    expect(surgePeak(ramp.slice(-(3 * g - 1)))).toBe(0);
    const alone = [8, 9, 10, 12, 13, 14, 16, 17, 18].map(minute);
    expect(surgePeak(alone)).toBeCloseTo(16 + Math.min((8 / (2 * g)) * (SURGE_LEAD_MINUTES + (g - 1) / 2), 8));
    // The last low at exactly RISING times the first (and the median) is a surge; the evenness
    // test as in climbSlope, at CLIMB_EVENNESS of the average rise per group.
    const groups = (lows: number[]) => [...flat(10, 60), ...lows.flatMap((l) => Array.from({ length: g }, () => minute(l)))];
    expect(surgePeak(groups([10, 10.5, 11]))).toBeCloseTo(11 + (1 / (2 * g)) * (SURGE_LEAD_MINUTES + (g - 1) / 2));
    expect(surgePeak(groups([10, 10.25, 12]))).toBeGreaterThan(12);
    expect(surgePeak(groups([10, 10.125, 12]))).toBe(0);
    // A step: two groups at the new level, or one; neither is a steady rise.
    expect(surgePeak([...flat(8, 60), ...flat(12, 2 * g)])).toBe(0);
    expect(surgePeak([...flat(8, 60), ...flat(12, g)])).toBe(0);
    // A burst of two minutes lifts no group's low.
    expect(surgePeak([...flat(8, 60), ...flat(16, 2)])).toBe(0);
    // A rise under RISING times the first group's low: noise, not a surge, though far above the
    // window's median.
    const gentle = [...flat(5, 60), ...Array.from({ length: 3 * g }, (_, i) => minute(11.5 + (1.1 * i) / (3 * g - 1)))];
    expect(Math.min(...gentle.slice(-g).map(demandShards))).toBeGreaterThan(RISING * 5);
    expect(surgePeak(gentle)).toBe(0);
    // The last group must also be RISING times the window's median: a dip and back is no surge.
    const dip = [...flat(10, 60), ...Array.from({ length: 3 * g }, (_, i) => minute(8 + 0.4 * i))];
    expect(Math.min(...dip.slice(-g).map(demandShards))).toBeGreaterThan(RISING * 8);
    expect(surgePeak(dip)).toBe(0);
  });

  test('a rise history does not foresee, fast enough to pass the threshold before new shards are in place, is met at once', () => {
    // 13 shards, an hour at 8, then 9 minutes climbing to 11.7 (90%): the peak seen, and the
    // hour's trend, are under 97.5% of 13, but the climb gets past 13 within SURGE_LEAD_MINUTES.
    const recent = [...Array.from({ length: 51 }, () => minute(8)), ...Array.from({ length: 9 }, (_, i) => minute(8.5 + 0.4 * i))];
    expect(surgePeak(recent)).toBeGreaterThan(13);
    const d = decide(input({ shards: 13, recent }));
    expect(d.forecastPeakShards).toBeLessThan(13 * 0.975);
    expect(d.action).toBe('scale-up');
    expect(d.targetShards).toBe(Math.ceil(13 / DEFAULT_SCALING.minScaleDownRatio));
    // The shards the surge wants, not the peak seen, are the ones reported as wanted.
    const wanted = Math.ceil(surgePeak(recent) / DEFAULT_SCALING.targetUtilization - 1e-9);
    expect(d.desiredShards).toBe(wanted);
    expect(wanted).toBeGreaterThan(Math.ceil(d.forecastPeakShards / DEFAULT_SCALING.targetUtilization - 1e-9));
    expect(d.reason).toContain(`(surging: ${surgePeak(recent).toFixed(2)} shards' worth expected in 5 min): 13 -> 20 (wanted ${wanted})`);
    expect(d.reason).not.toMatch(/rising unforeseen/);
    // Without `predictive` (no history, no trend), the surge is met the same way.
    const reactive = decide(input({ shards: 13, recent, config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, predictive: false } }));
    expect(reactive.forecastPeakShards).toBe(0);
    expect(reactive.action).toBe('scale-up');
    expect(reactive.targetShards).toBe(20);
    // History that foresees the hour (at today's level): the surge is left to the usual threshold.
    const history = [past(Array.from({ length: 240 }, () => minute(11.7)), mean(recent.slice(-LEVEL_MINUTES)))];
    const foreseen = decide(input({ shards: 13, recent, history }));
    expect(foreseen.historyScale).toBe(1);
    expect(foreseen.action).toBe('none');
    // A scale-down does not go below what the surge needs: at 20 shards the peak seen (11.7)
    // alone would take it to 13, a third less, but the surge wants 14, which saves too little.
    const down = decide(input({ shards: 20, recent, trigger: 'ScaleDown' }));
    expect(Math.ceil(d.recentPeakShards / DEFAULT_SCALING.targetUtilization)).toBeLessThanOrEqual(Math.floor(20 * DEFAULT_SCALING.minScaleDownRatio));
    expect(down.action).toBe('none');
    expect(down.reason).toMatch(/scale-down 20 -> 14 saves too little/);
    // A surge that wants more than the N / minScaleDownRatio floor sizes the scale-up: 10 shards,
    // an hour at 5, then groups at 7, 9 and 11 lead to 15 shards' worth within 5 minutes.
    const fast = [...Array.from({ length: 51 }, () => minute(5)), ...[7, 7, 7, 9, 9, 9, 11, 11, 11].map(minute)];
    expect(surgePeak(fast)).toBeCloseTo(15);
    const sized = decide(input({ shards: 10, recent: fast }));
    expect(Math.ceil(10 / DEFAULT_SCALING.minScaleDownRatio)).toBe(15);
    expect(sized.action).toBe('scale-up');
    expect(sized.targetShards).toBe(16);
    expect(sized.desiredShards).toBe(16);
    expect(sized.reason).toMatch(/\(surging: 15\.00 shards' worth expected in 5 min\): 10 -> 16 \(wanted 16\)/);
    // A ScaleDown alarm that a surge holds back says so: 14 shards, an hour at 8, then groups at
    // 9.6, 10.3 and 11, which lead to 12.4 shards' worth, 14 shards at targetUtilization.
    const gentler = [...Array.from({ length: 51 }, () => minute(8)), ...[9.6, 9.6, 9.6, 10.3, 10.3, 10.3, 11, 11, 11].map(minute)];
    expect(surgePeak(gentler)).toBeCloseTo(12.4);
    const held = decide(input({ shards: 14, recent: gentler, trigger: 'ScaleDown' }));
    expect(held.action).toBe('none');
    expect(held.reason).toBe('14 shards kept: the climb under way wants 14 within 5 min');
    // At maxShards, nothing to do.
    const atMax = decide(input({ shards: 13, recent, config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 13 } }));
    expect(atMax.action).toBe('none');
    // Below minShards, the move up to it goes as far as the surge needs.
    const belowMin = decide(input({ shards: 9, recent: fast, config: { ...DEFAULT_SCALING, minShards: 10, maxShards: 1000 } }));
    expect(belowMin).toMatchObject({ action: 'scale-up', targetShards: 16 });
    // A surge that leads to exactly scaleUpThreshold of the shards is met: groups at 10, 15 and 20
    // lead to 30 within SURGE_LEAD_MINUTES, on 30 shards (not predictive, so that no trend calls).
    const reactiveConfig = { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, predictive: false };
    const toThirty = [...Array.from({ length: 51 }, () => minute(10)), ...[10, 10, 10, 15, 15, 15, 20, 20, 20].map(minute)];
    expect(surgePeak(toThirty)).toBe(30);
    expect(decide(input({ shards: 30, recent: toThirty, config: reactiveConfig })).action).toBe('scale-up');
    // The log notes a surge only where it asks for more than the peak: groups at 10, 10.5 and 11
    // (with a minute at 12) lead to 12, which the peak's 13 shards take.
    const gentle = [...Array.from({ length: 51 }, () => minute(10)), ...[10, 10, 10, 10.5, 10.5, 10.5, 11, 12, 11].map(minute)];
    expect(surgePeak(gentle)).toBeCloseTo(12);
    const noted = decide(input({ shards: 12, recent: gentle, config: reactiveConfig }));
    expect(noted).toMatchObject({ action: 'scale-up', desiredShards: 13 });
    expect(noted.reason).not.toMatch(/surging/);
  });

  test('a stream above a lowered maxShards is brought down, even while busy', () => {
    const config = { ...DEFAULT_SCALING, minShards: 1, maxShards: 32 };
    const d = decide(input({ shards: 50, recent: [minute(60)], config }));
    expect(d.action).toBe('scale-down');
    expect(d.targetShards).toBe(32);
    // However little it saves: 11 -> 9 under a maxShards of 10, where 10 -> 9 saves too little.
    const small = (shards: number) => decide(input({ shards, level: 8, config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 10 } }));
    expect(small(11)).toMatchObject({ action: 'scale-down', targetShards: 9 });
    expect(small(10)).toMatchObject({ action: 'none', reason: 'scale-down 10 -> 9 saves too little to spend a call on' });
  });

  test('shouldResetAlarm: not a ScaleDown alarm at minShards', () => {
    const config = { minShards: 2 };
    expect(shouldResetAlarm('ScaleDown', 2, config)).toBe(false);
    expect(shouldResetAlarm('ScaleDown', 3, config)).toBe(true);
    expect(shouldResetAlarm('ScaleUp', 2, config)).toBe(true);
    expect(shouldResetAlarm('ScaleDown', undefined, config)).toBe(true);
  });

  test('alarmsToReset: after a reshard ScaleDown first, then the triggering alarm; none for a reconcile or a scheduled check', () => {
    const config = { minShards: 2 };
    expect(alarmsToReset('ScaleUp', 4, true, config)).toEqual(['ScaleDown', 'ScaleUp']);
    expect(alarmsToReset('ScaleUp', 4, false, config)).toEqual(['ScaleUp']);
    expect(alarmsToReset('Throttled', 2, true, config)).toEqual(['Throttled']);
    expect(alarmsToReset('ScaleDown', 4, true, config)).toEqual(['ScaleDown']);
    expect(alarmsToReset('ScaleDown', 2, true, config)).toEqual([]);
    expect(alarmsToReset('Schedule', 4, true, config)).toEqual(['ScaleDown']);
    expect(alarmsToReset('Schedule', 4, false, config)).toEqual([]);
    expect(alarmsToReset('Reconcile', undefined, false, config)).toEqual([]);
  });
});
