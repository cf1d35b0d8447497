import {
  DecisionContext,
  initialShards,
  maxInWindow,
  parseUpdatingMinutes,
  PRICES,
  ProvisionedPolicy,
  SimulatedStream,
  simulateLowerBound,
  simulateOnDemand,
  simulateProvisioned,
  simulateStaticPeak,
  throttle,
  Trace,
} from '../../bench/sim';
import { SHARD_BYTES_PER_MINUTE as SBPM, SHARD_RECORDS_PER_MINUTE as SRPM } from '../../src/private/autoscaler-config';

function trace(bytes: number[], records: number[]): Trace {
  return { name: 'test', bytes, records };
}

/** A policy that runs a function each minute. */
function policyOf(fn: (ctx: DecisionContext) => void): ProvisionedPolicy {
  return { onMinute: fn };
}

describe('throttling', () => {
  test('a hand-made 5-minute trace on 2 shards', () => {
    const t = trace(
      [1 * SBPM, 4 * SBPM, 1 * SBPM, 0, 3 * SBPM],
      [1000, 1000, 3 * SRPM, 0, 4 * SRPM],
    );
    const run = simulateProvisioned(t, undefined, { initialShards: 2 });
    // Minute 0 fits; 1 is twice the bytes (half throttled); 2 is 1.5x the records (1/3 throttled);
    // 3 is empty; 4 is 1.5x the bytes and 2x the records: the records decide, half throttled.
    const expected = [0, 500, 60_000, 0, 120_000];
    run.observed.forEach((m, i) => expect(m.throttledRecords).toBeCloseTo(expected[i], 6));
    expect(run.observed[1].incomingBytes).toBeCloseTo(2 * SBPM, 3);
    expect(run.observed[1].incomingRecords).toBeCloseTo(500, 6);
    expect(run.observed[2].incomingRecords).toBeCloseTo(2 * SRPM, 3);
    expect(run.observed[2].incomingBytes).toBeCloseTo((2 / 3) * SBPM, 3);
    expect(run.observed[4].incomingBytes).toBeCloseTo(1.5 * SBPM, 3);
    expect(run.result.throttledPct).toBeCloseTo((100 * 180_500) / 422_000, 9);
    expect(run.result.shardHours).toBeCloseTo(10 / 60, 12);
    expect(run.capacity).toEqual([2, 2, 2, 2, 2]);
  });

  test('no demand is not throttled; exactly the capacity is not throttled', () => {
    expect(throttle(0, 0, SBPM, SRPM).fraction).toBe(0);
    expect(throttle(SBPM, SRPM, SBPM, SRPM).fraction).toBe(0);
    expect(throttle(2 * SBPM, 10, SBPM, SRPM).throttledRecords).toBeCloseTo(5, 12);
  });
});

describe('CloudWatch visibility', () => {
  test('a decision at minute t sees minute t-2 but not t-1', () => {
    const seen: { t: number; last: number; count: number; lastVisibleOk: boolean; previousThrows: boolean }[] = [];
    const t = trace(Array(6).fill(SBPM / 2), Array(6).fill(100));
    simulateProvisioned(t, policyOf((ctx) => {
      let previousThrows = false;
      try {
        ctx.metrics(ctx.minute - 1);
      } catch {
        previousThrows = true;
      }
      const lastVisibleOk = ctx.minute < 2 || ctx.metrics(ctx.minute - 2) !== undefined;
      seen.push({ t: ctx.minute, last: ctx.lastVisibleMinute, count: ctx.visible(0, ctx.minute + 10).length, lastVisibleOk, previousThrows });
    }), { initialShards: 1 });
    expect(seen.map((s) => s.last)).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(seen.map((s) => s.count)).toEqual([0, 0, 1, 2, 3, 4]);
    expect(seen.every((s) => s.previousThrows && s.lastVisibleOk)).toBe(true);
  });

  test('a policy that reacts to throttling reacts two minutes after the throttled minute', () => {
    const bytes = Array(12).fill(SBPM / 2);
    bytes[5] = 3 * SBPM;
    const t = trace(bytes, Array(12).fill(100));
    const run = simulateProvisioned(t, policyOf((ctx) => {
      if (ctx.lastVisibleMinute >= 0 && ctx.metrics(ctx.lastVisibleMinute).throttledRecords > 0) {
        ctx.updateShardCount(2 * ctx.shards);
      }
    }), { initialShards: 1 });
    expect(run.calls).toEqual([7]);
    // UPDATING for 2 minutes: the new capacity applies from minute 9; minutes 7 and 8 bill 2 shards.
    expect(run.capacity).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2]);
    expect(run.result.shardHours).toBeCloseTo((7 + 2 * 5) / 60, 12);
  });
});

describe('UpdateShardCount rules', () => {
  test('rejects calls while UPDATING and targets outside [ceil(N/2), 2N]', () => {
    const stream = new SimulatedStream({ initialShards: 5, updatingMinutes: 2 });
    stream.advanceTo(0);
    expect(stream.updateShardCount(11).accepted).toBe(false);
    expect(stream.updateShardCount(2).accepted).toBe(false);
    expect(stream.updateShardCount(5).accepted).toBe(false);
    expect(stream.updateShardCount(10).accepted).toBe(true);
    expect(stream.status).toBe('UPDATING');
    expect(stream.openShardCount).toBe(5);
    expect(stream.billedShards).toBe(10);
    stream.advanceTo(1);
    expect(stream.updateShardCount(6)).toEqual({ accepted: false, reason: 'stream is UPDATING' });
    stream.advanceTo(2);
    expect(stream.status).toBe('ACTIVE');
    expect(stream.openShardCount).toBe(10);
    expect(stream.capacityAppliedAt).toBe(2);
    expect(stream.updateShardCount(4).accepted).toBe(false);
    expect(stream.updateShardCount(5).accepted).toBe(true);
    expect(stream.calls).toEqual([0, 2]);
    expect(stream.rejected).toHaveLength(5);
  });

  test('rejects targets outside [1, 10000]', () => {
    const big = new SimulatedStream({ initialShards: 10_000 });
    expect(big.updateShardCount(10_001).accepted).toBe(false);
    const one = new SimulatedStream({ initialShards: 1 });
    expect(one.updateShardCount(0).accepted).toBe(false);
    expect(one.updateShardCount(2).accepted).toBe(true);
  });

  test('rejects the 11th call in any rolling 24 hours', () => {
    const stream = new SimulatedStream({ initialShards: 4, updatingMinutes: 2 });
    const toggle = (): boolean => stream.updateShardCount(stream.openShardCount === 4 ? 8 : 4).accepted;
    for (let i = 0; i < 10; i++) {
      stream.advanceTo(i * 10);
      expect(toggle()).toBe(true);
    }
    stream.advanceTo(100);
    expect(toggle()).toBe(false);
    stream.advanceTo(1439);
    expect(toggle()).toBe(false);
    stream.advanceTo(1440); // the call at minute 0 has left the window
    expect(toggle()).toBe(true);
    stream.advanceTo(1445);
    expect(toggle()).toBe(false);
    expect(stream.calls).toHaveLength(11);
    expect(maxInWindow(stream.calls)).toBe(10);
  });

  test('a policy calling every minute gets at most 10 ops in any 24 h', () => {
    const minutes = 3 * 1440;
    const t = trace(Array(minutes).fill(SBPM), Array(minutes).fill(1000));
    const run = simulateProvisioned(t, policyOf((ctx) => {
      ctx.updateShardCount(ctx.shards === 2 ? 4 : 2);
    }), { initialShards: 2 });
    expect(run.result.maxOpsIn24h).toBe(10);
    expect(run.result.scalingOps).toBe(30);
    expect(run.rejected.length).toBe(minutes - 30);
  });

  test('maxInWindow counts calls within any 1440 consecutive minutes', () => {
    expect(maxInWindow([])).toBe(0);
    expect(maxInWindow([0, 1439])).toBe(2);
    expect(maxInWindow([0, 1440])).toBe(1);
    expect(maxInWindow([0, 100, 1000, 1500, 1539])).toBe(4);
  });
});

describe('cost', () => {
  test('provisioned: shard-hours and 25 KB PUT payload units', () => {
    // 1,000 records of 30,000 bytes (2 units each), then 2,000 records of 1,000 bytes (1 unit each).
    const t = trace([30_000_000, 2_000_000], [1000, 2000]);
    const run = simulateProvisioned(t, undefined, { initialShards: 1 });
    expect(run.result.throttledPct).toBe(0);
    expect(run.result.shardHours).toBeCloseTo(2 / 60, 12);
    expect(run.result.costUsd).toBeCloseTo((2 / 60) * 0.015 + (4000 / 1e6) * 0.014, 12);
  });

  test('provisioned: throttled records are not billed as PUT units', () => {
    // Twice the bytes a shard takes, records of ~21 KB (one unit each): 3,000 of 6,000 get in.
    const t = trace([2 * SBPM], [6000]);
    const run = simulateProvisioned(t, undefined, { initialShards: 1 });
    expect(run.result.throttledPct).toBeCloseTo(50, 9);
    expect(run.result.costUsd).toBeCloseTo((1 / 60) * 0.015 + (3000 / 1e6) * 0.014, 12);
  });

  test('provisioned: while UPDATING the larger of the old and new count is billed', () => {
    const t = trace([1, 1, 1, 1], [1, 1, 1, 1]);
    const run = simulateProvisioned(t, policyOf((ctx) => {
      if (ctx.minute === 0) ctx.updateShardCount(2);
    }), { initialShards: 4 });
    expect(run.capacity).toEqual([4, 4, 2, 2]);
    expect(run.result.shardHours).toBeCloseTo(12 / 60, 12);
  });

  test('on-demand: stream-hours plus GB written, records rounded up to 1 KB', () => {
    const t = trace([1000 * 1500, 10 * 100], [1000, 10]);
    const run = simulateOnDemand(t);
    expect(run.result.throttledPct).toBe(0);
    expect(run.result.shardHours).toBe(0);
    expect(run.result.scalingOps).toBe(0);
    expect(run.result.costUsd).toBeCloseTo((2 / 60) * PRICES.onDemandStreamHourUsd + ((1000 * 2048 + 10 * 1024) / 2 ** 30) * 0.08, 12);
  });

  test('on-demand: capacity is max(4 shards, twice the previous peak), throttled beyond', () => {
    const t = trace([10 * SBPM, 10 * SBPM, 10 * SBPM], [1000, 1000, 1000]);
    const run = simulateOnDemand(t);
    expect(run.capacity).toEqual([4, 8, 16]);
    expect(run.observed.map((m) => m.throttledRecords)).toEqual([600, expect.closeTo(200, 6), 0]);
  });

  test('static-peak and lower-bound', () => {
    const t = trace([0.5 * SBPM, 2.5 * SBPM, 0.2 * SBPM], [10, 10, 10]);
    const peak = simulateStaticPeak(t);
    expect(peak.capacity).toEqual([3, 3, 3]);
    expect(peak.result.scalingOps).toBe(0);
    const lower = simulateLowerBound(t);
    expect(lower.capacity).toEqual([1, 3, 1]);
    expect(lower.result.throttledPct).toBe(0);
    expect(lower.result.shardHours).toBeCloseTo(5 / 60, 12);
    expect(lower.result.scalingOps).toBe(2);
  });

  test('initial shards: the first 30 minutes\' peak at 70%, at least 1', () => {
    const bytes = Array(40).fill(SBPM);
    bytes[10] = 7 * SBPM;
    bytes[35] = 100 * SBPM; // after the first 30 minutes: ignored
    expect(initialShards(trace(bytes, Array(40).fill(1)))).toBe(10);
    expect(initialShards(trace([0], [0]))).toBe(1);
  });

  test('a trace beyond 10,000 shards\' worth starts at 10,000, and static-peak holds 10,000 and throttles the rest', () => {
    const huge = trace([12_000 * SBPM, 20_000 * SBPM], [1, 1]);
    expect(initialShards(huge)).toBe(10_000);
    const run = simulateStaticPeak(huge);
    expect(run.capacity).toEqual([10_000, 10_000]);
    expect(run.result.throttledPct).toBeCloseTo((100 * (2_000 / 12_000 + 10_000 / 20_000)) / 2, 6);
  });
});

describe('parseUpdatingMinutes', () => {
  test('takes a non-negative integer, and names the bad value otherwise', () => {
    expect(parseUpdatingMinutes('0')).toBe(0);
    expect(parseUpdatingMinutes('10')).toBe(10);
    for (const bad of ['-1', '1.5', 'ten', undefined]) {
      expect(() => parseUpdatingMinutes(bad)).toThrow(`--updating-minutes must be a non-negative integer, got "${bad}"`);
    }
  });
});
