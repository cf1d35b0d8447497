import { callsInWindow, decide, demandShards, MinuteMetrics, PolicyInput } from '../../../lambda/autoscaler/policy';
import { DAY_MS, DEFAULT_SCALING, MINUTE_MS, SHARD_BYTES_PER_MINUTE, SHARD_RECORDS_PER_MINUTE } from '../../../src/private/autoscaler-config';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

/** A minute that uses `shards` shards' worth of bytes, with 2 KiB records (bytes dominate). */
function minute(shards: number): MinuteMetrics {
  const bytes = shards * SHARD_BYTES_PER_MINUTE;
  return { incomingBytes: bytes, incomingRecords: bytes / 2048, throttledRecords: 0 };
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

describe('decide', () => {
  test('scales up to the peak over target utilization', () => {
    const recent = [...Array.from({ length: 59 }, () => minute(5)), minute(14)];
    const d = decide(input({ shards: 10, recent }));
    expect(d.action).toBe('scale-up');
    expect(d.targetShards).toBe(Math.ceil(14 / DEFAULT_SCALING.targetUtilization));
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
  });

  test('stays within minShards and maxShards', () => {
    const up = decide(input({ shards: 10, recent: [minute(100)], config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 12 } }));
    expect(up.targetShards).toBe(12);
    const pinned = decide(input({ shards: 12, recent: [minute(100)], config: { ...DEFAULT_SCALING, minShards: 1, maxShards: 12 } }));
    expect(pinned.action).toBe('none');
    const wanted = Math.ceil(100 / DEFAULT_SCALING.targetUtilization);
    expect(pinned.reason).toMatch(new RegExp(`at maxShards \\(12\\): demand calls for ${wanted}`));
    expect(pinned.desiredShards).toBe(wanted);
    const down = decide(input({ shards: 10, level: 0.1, config: { ...DEFAULT_SCALING, minShards: 8, maxShards: 100 } }));
    expect(down.action).toBe('none');
    expect(down.reason).toMatch(/saves too little|minShards/);
    const floor = decide(input({ shards: 16, level: 0.1, config: { ...DEFAULT_SCALING, minShards: 8, maxShards: 100 } }));
    expect(floor.targetShards).toBe(8);
  });

  test('moves a stream below minShards up to it', () => {
    const d = decide(input({ shards: 2, level: 0.1, config: { ...DEFAULT_SCALING, minShards: 3, maxShards: 100 } }));
    expect(d.action).toBe('scale-up');
    expect(d.targetShards).toBe(3);
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

  test('keeps the last calls of the budget for scaling up', () => {
    const reserve = DEFAULT_SCALING.scaleUpReserve;
    const calls = Array.from({ length: 10 - reserve }, (_, i) => NOW - (i + 1) * MINUTE_MS * 30);
    const down = decide(input({ shards: 20, level: 1, calls }));
    expect(down.action).toBe('none');
    expect(down.reason).toMatch(new RegExp(`last ${reserve} are kept for scaling up`));
    const up = decide(input({ shards: 20, recent: [minute(30)], calls }));
    expect(up.action).toBe('scale-up');
  });

  test('spends calls only on large scale-downs', () => {
    // 10 shards, peak 6.5 shards' worth: desired 10 -> 10 (0.7 target), no move.
    expect(decide(input({ shards: 10, level: 6.5 })).action).toBe('none');
    // Peak 5.5: desired 8, a saving of 20%: below the 25% minimum.
    const small = decide(input({ shards: 10, level: 5.5 }));
    expect(small.action).toBe('none');
    expect(small.reason).toMatch(/saves too little/);
  });

  test('predictive: keeps capacity for what followed the same time yesterday', () => {
    const history = [Array.from({ length: 120 }, (_, i) => minute(i > 60 ? 30 : 2))];
    const withHistory = decide(input({ shards: 10, level: 1, history }));
    expect(withHistory.forecastPeakShards).toBeCloseTo(30);
    expect(withHistory.action).toBe('scale-up');
    expect(withHistory.targetShards).toBe(20);
    const config = { ...DEFAULT_SCALING, minShards: 1, maxShards: 1000, predictive: false };
    const notPredictive = decide(input({ shards: 10, level: 1, history, config }));
    expect(notPredictive.forecastPeakShards).toBe(0);
    expect(notPredictive.action).toBe('scale-down');
  });

  test('counts calls in the rolling window only', () => {
    expect(callsInWindow([NOW - DAY_MS, NOW - DAY_MS + 1, NOW], NOW)).toBe(2);
  });

  test('without history a scale-up is a large move; with history the forecast sizes it', () => {
    // 10 shards, a peak of 9.9 shards' worth: the demand alone asks for 11.
    const recent = [minute(9.9)];
    const blind = decide(input({ shards: 10, recent }));
    expect(blind.desiredShards).toBe(Math.ceil(9.9 / DEFAULT_SCALING.targetUtilization));
    expect(blind.targetShards).toBe(Math.ceil(10 / DEFAULT_SCALING.minScaleDownRatio));
    const informed = decide(input({ shards: 10, recent, history: [Array.from({ length: 90 }, () => minute(9.9))] }));
    expect(informed.targetShards).toBe(Math.ceil(9.9 / DEFAULT_SCALING.targetUtilization));
  });

  test('a rising trend is carried ahead; a single burst is not a trend', () => {
    const rising = Array.from({ length: 60 }, (_, i) => minute(5 + i * 0.1));
    const d = decide(input({ shards: 20, recent: rising }));
    expect(d.forecastPeakShards).toBeGreaterThan(d.recentPeakShards);
    const burst = [...Array.from({ length: 59 }, () => minute(5)), minute(15)];
    expect(decide(input({ shards: 20, recent: burst })).forecastPeakShards).toBe(0);
  });
});
