/**
 * aws-samples/kinesis-auto-scaling: CloudWatch alarms on 5-minute periods drive a Lambda that
 * doubles or halves the shard count.
 *
 * - Scale up (2N) when utilization is at least 75% in 5 of 5 periods.
 * - Scale down (ceil(N/2)) when utilization is below 25% in 57 of 60 periods.
 * - After a change both alarms start over: only periods that start once the new capacity applies
 *   count (earlier ones count as not breaching).
 *
 * Alarms are evaluated whenever a new 5-minute period is complete and visible in CloudWatch
 * (period [5p, 5p+5) is visible from minute 5p+6).
 */
import type { MinuteMetrics } from '../../lambda/autoscaler/policy';
import { DecisionContext, MAX_SHARDS, ProvisionedPolicy, utilization } from '../sim';

export const AWS_SAMPLES = {
  periodMinutes: 5,
  upThreshold: 0.75,
  upPeriods: 5,
  upDatapoints: 5,
  downThreshold: 0.25,
  downPeriods: 60,
  downDatapoints: 57,
};

function sumPeriod(minutes: MinuteMetrics[]): MinuteMetrics {
  return minutes.reduce(
    (s, m) => ({
      incomingBytes: s.incomingBytes + m.incomingBytes,
      incomingRecords: s.incomingRecords + m.incomingRecords,
      throttledRecords: s.throttledRecords + m.throttledRecords,
    }),
    { incomingBytes: 0, incomingRecords: 0, throttledRecords: 0 },
  );
}

export class AwsSamplesPolicy implements ProvisionedPolicy {
  public onMinute(ctx: DecisionContext): void {
    const p = AWS_SAMPLES.periodMinutes;
    // The latest complete period visible now; evaluate only when it has just become visible.
    const lastVisible = ctx.lastVisibleMinute;
    if (lastVisible < p - 1 || (lastVisible + 1) % p !== 0) {
      return;
    }
    const lastPeriod = (lastVisible + 1) / p - 1;
    const n = ctx.shards;
    const count = (periods: number, breaching: (u: number) => boolean): number => {
      let hits = 0;
      for (let k = lastPeriod - periods + 1; k <= lastPeriod; k++) {
        const start = k * p;
        if (k < 0 || start < ctx.capacityAppliedAt) {
          continue;
        }
        const u = utilization(sumPeriod(ctx.visible(start, start + p)), n, p);
        if (breaching(u)) {
          hits++;
        }
      }
      return hits;
    };

    if (count(AWS_SAMPLES.upPeriods, (u) => u >= AWS_SAMPLES.upThreshold) >= AWS_SAMPLES.upDatapoints) {
      const target = Math.min(2 * n, MAX_SHARDS);
      if (target > n) {
        ctx.updateShardCount(target);
      }
      return;
    }
    if (count(AWS_SAMPLES.downPeriods, (u) => u < AWS_SAMPLES.downThreshold) >= AWS_SAMPLES.downDatapoints) {
      const target = Math.ceil(n / 2);
      if (target < n) {
        ctx.updateShardCount(target);
      }
    }
  }
}
