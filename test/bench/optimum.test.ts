import { cheapestStaircase, optimumShardHours } from '../../bench/optimum';
import { simulateStaticPeak } from '../../bench/sim';
import { diurnal2w } from '../../bench/traces';

describe('cheapestStaircase', () => {
  test('one level holds the peak all day; more levels follow the peaks', () => {
    expect(cheapestStaircase([1, 5, 1], 60, 1)).toBe(15);
    expect(cheapestStaircase([1, 5, 1], 60, 2)).toBe(11);
    expect(cheapestStaircase([1, 5, 1], 60, 3)).toBe(7);
    expect(cheapestStaircase([1, 5, 1], 60, 9)).toBe(7);
    // 30-minute blocks count half an hour each.
    expect(cheapestStaircase([2, 2], 30, 1)).toBe(2);
  });
});

describe('optimumShardHours', () => {
  test('lies between the lower bound of the demand and static-peak on the diurnal trace', () => {
    const trace = diurnal2w();
    const peak = simulateStaticPeak(trace).result.shardHours;
    const nine = optimumShardHours(trace, 60, 9, 1);
    const one = optimumShardHours(trace, 60, 1, 1);
    expect(nine).toBeLessThan(one);
    expect(one).toBeLessThanOrEqual(peak);
    // Sizing for 95% utilization needs more shards than for 100%.
    expect(optimumShardHours(trace, 60, 9, 0.95)).toBeGreaterThan(nine);
  });
});
