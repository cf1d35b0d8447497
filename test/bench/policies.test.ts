import { AwsSamplesPolicy } from '../../bench/policies/aws-samples';
import { POLICY_NAMES, resultsOf, runAll } from '../../bench/policies/index';
import { ScalingUtilsPolicy } from '../../bench/policies/scaling-utils';
import { substationFactor, SubstationPolicy } from '../../bench/policies/substation';
import { ThisLibraryPolicy, thisLibraryConfig } from '../../bench/policies/this-library';
import { initialShards, simulateProvisioned, Trace } from '../../bench/sim';
import { stepUpX8 } from '../../bench/traces';
import * as policyModule from '../../lambda/autoscaler/policy';
import { alarmSpecs, DEFAULT_SCALING, SCHEDULE_MINUTES, SHARD_BYTES_PER_MINUTE as SBPM } from '../../src/private/autoscaler-config';

/** `minutes` minutes at `before` shards' worth of bytes, then `after` from minute `at`. 2 KB records. */
function step(minutes: number, at: number, before: number, after: number): Trace {
  const bytes = Array.from({ length: minutes }, (_, t) => (t < at ? before : after) * SBPM);
  return { name: 'step', bytes, records: bytes.map((b) => Math.round(b / 2048)) };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('this-library', () => {
  test('its alarms invoke the production decide(), which scales up a step; never over 10 ops in 24 h', () => {
    const spy = jest.spyOn(policyModule, 'decide');
    const trace = stepUpX8();
    const n0 = initialShards(trace);
    const policy = new ThisLibraryPolicy(n0);
    const run = simulateProvisioned(trace, policy, { initialShards: n0 });

    expect(spy).toHaveBeenCalled();
    expect(spy.mock.calls.length).toBe(policy.invocations.length);
    const ups = policy.invocations.filter((i) => i.decision.action === 'scale-up' && i.accepted);
    expect(ups.length).toBeGreaterThanOrEqual(1);
    expect(run.calls.length).toBe(policy.invocations.filter((i) => i.accepted).length);
    expect(run.result.maxOpsIn24h).toBeLessThanOrEqual(10);
    expect(Math.max(...run.capacity)).toBeGreaterThan(n0);

    // Each decide() call got exactly what CloudWatch showed: the last visible minute is t-2.
    spy.mock.calls.forEach(([input], i) => {
      const t = policy.invocations[i].minute;
      expect(input.now).toBe(t * 60_000);
      expect(input.streamMode).toBe('PROVISIONED');
      expect(input.config).toEqual({ ...DEFAULT_SCALING, minShards: 1, maxShards: 10_000 });
      expect(input.recent.length).toBeLessThanOrEqual(DEFAULT_SCALING.lookbackMinutes);
      expect(input.recent[input.recent.length - 1]).toBe(run.observed[t - 2]);
    });
  });

  test('the ScaleUp alarm fires on the first minute over the threshold, seen two minutes later', () => {
    // 10 shards, the ScaleUp alarm at scaleUpAlarmThreshold x 10 shards' worth. Demand steps from 7 (too busy to scale down) to 10.5 at minute 100: over scaleUpThreshold (100%), partly throttled.
    const spy = jest.spyOn(policyModule, 'decide');
    const config = thisLibraryConfig();
    const threshold = alarmSpecs(config, 10).find((a) => a.role === 'ScaleUp')!.threshold;
    expect(threshold).toBeCloseTo(config.scaleUpAlarmThreshold * 10);
    expect(10.5).toBeGreaterThan(config.scaleUpThreshold * 10);
    const policy = new ThisLibraryPolicy(10, { ...config, predictive: false });
    const run = simulateProvisioned(step(200, 100, 7, 10.5), policy, { initialShards: 10 });
    const first = policy.invocations.find((i) => i.trigger === 'ScaleUp');
    expect(first?.minute).toBe(102);
    expect(first?.decision.action).toBe('scale-up');
    expect(run.calls[0]).toBe(102);
    // The larger of ceil(10.5 / targetUtilization) and the smallest large move, ceil(10 / minScaleDownRatio).
    expect(run.capacity[104]).toBe(Math.max(Math.ceil(10.5 / config.targetUtilization), Math.ceil(10 / config.minScaleDownRatio)));
    expect(spy).toHaveBeenCalled();
  });

  test('history windows are the handler\'s: LEVEL_MINUTES ending with the clock minute of the last recent one, a day earlier, then the forecast', () => {
    const spy = jest.spyOn(policyModule, 'decide');
    const day = 24 * 60;
    // A quiet first day, then a step on the second that the ScaleUp alarm sees.
    const policy = new ThisLibraryPolicy(10);
    const run = simulateProvisioned(step(day + 200, day + 100, 7, 10.5), policy, { initialShards: 10 });
    // Those with a whole LEVEL_MINUTES of the first day before them.
    const withHistory = spy.mock.calls.filter(([input]) => input.history.length > 0 && input.now / 60_000 >= day + 1 + policyModule.LEVEL_MINUTES);
    expect(withHistory.length).toBeGreaterThan(0);
    for (const [input] of withHistory) {
      const t = input.now / 60_000;
      const [{ before, after }] = input.history;
      expect(before).toHaveLength(policyModule.LEVEL_MINUTES);
      expect(before[before.length - 1]).toBe(run.observed[t - 2 - day]);
      expect(before[0]).toBe(run.observed[t - 1 - day - policyModule.LEVEL_MINUTES]);
      expect(after[0]).toBe(run.observed[t - 1 - day]);
      expect(after).toHaveLength(DEFAULT_SCALING.forecastMinutes);
    }
  });

  test('the scheduled check runs every SCHEDULE_MINUTES for a predictive stream, never for one that is not', () => {
    const spy = jest.spyOn(policyModule, 'decide');
    simulateProvisioned(step(200, 100, 5, 5), new ThisLibraryPolicy(10), { initialShards: 10 });
    const scheduled = spy.mock.calls.filter(([input]) => input.trigger === 'Schedule').map(([input]) => input.now / 60_000);
    expect(scheduled).toEqual(Array.from({ length: 14 }, (_, i) => i * SCHEDULE_MINUTES));
    spy.mockClear();
    simulateProvisioned(step(200, 100, 5, 5), new ThisLibraryPolicy(10, { ...thisLibraryConfig(), predictive: false }), { initialShards: 10 });
    expect(spy.mock.calls.filter(([input]) => input.trigger === 'Schedule')).toHaveLength(0);
  });

  test('a decision that changes nothing makes no call', () => {
    const spy = jest.spyOn(policyModule, 'decide').mockImplementation((input) => ({
      action: 'none',
      currentShards: input.openShardCount,
      targetShards: input.openShardCount,
      desiredShards: input.openShardCount,
      recentPeakShards: 0,
      forecastPeakShards: 0,
      historyScale: 1,
      callsInLast24h: 0,
      reason: 'mocked',
    }));
    const policy = new ThisLibraryPolicy(10);
    const run = simulateProvisioned(step(200, 100, 5, 20), policy, { initialShards: 10 });
    expect(spy).toHaveBeenCalled();
    expect(run.calls).toEqual([]);
    expect(run.result.throttledPct).toBeGreaterThan(0);
  });
});

describe('the other policies', () => {
  test('aws-samples doubles after 5 of 5 five-minute periods at >= 75%', () => {
    const run = simulateProvisioned(step(120, 30, 2, 9), new AwsSamplesPolicy(), { initialShards: 10 });
    // Periods from minute 30 breach; the fifth, [50, 55), is visible from minute 56.
    expect(run.calls).toEqual([56]);
    expect(run.capacity[58]).toBe(20);
  });

  test('substation scales by its factor after 5 minutes at >= 70%', () => {
    expect([4, 5, 12, 13, 32, 33].map(substationFactor)).toEqual([2, 1.75, 1.75, 1.5, 1.5, 1.25]);
    const run = simulateProvisioned(step(60, 10, 2, 8), new SubstationPolicy(), { initialShards: 10 });
    // Minutes 10..14 breach; minute 14 is visible from minute 16. floor(10 x 1.75) = 17.
    expect(run.calls[0]).toBe(16);
    expect(run.capacity[18]).toBe(17);
  });

  test('scaling-utils adds one shard at a 5-minute check with >= 5 of 15 minutes over 75%', () => {
    const run = simulateProvisioned(step(60, 10, 2, 10), new ScalingUtilsPolicy(), { initialShards: 10 });
    // Minutes 10..14 visible by minute 16; the next check is at minute 20.
    expect(run.calls[0]).toBe(20);
    expect(run.capacity[22]).toBe(11);
    // Still over 75% of 11 shards, but at most once every 15 minutes.
    expect(run.calls[1]).toBe(35);
  });

  test('runAll runs every policy, and no provisioned policy gets over 10 ops in 24 h', () => {
    const results = resultsOf(runAll(step(2 * 1440, 600, 5, 40)));
    expect(Object.keys(results)).toEqual([...POLICY_NAMES]);
    for (const name of POLICY_NAMES.filter((n) => n !== 'lower-bound')) {
      expect(results[name].maxOpsIn24h).toBeLessThanOrEqual(10);
    }
    expect(results['static-peak'].throttledPct).toBe(0);
    expect(results['lower-bound'].throttledPct).toBe(0);
    expect(results['lower-bound'].shardHours).toBeLessThanOrEqual(results['static-peak'].shardHours);
  });
});
