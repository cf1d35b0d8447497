/**
 * brexhq/substation's Kinesis autoscaler: CloudWatch alarms on 1-minute periods.
 *
 * - Scale up to floor(N*f) (at least N+1) when utilization is at least 70% in 5 of 5 minutes.
 * - Scale down to ceil(N/f) when utilization is at most 35% in 60 of 60 minutes.
 * - f = 2, 1.75, 1.5, 1.25 for N < 5, < 13, < 33 and beyond.
 * - After a change: no scale-up for 3 minutes, no scale-down for 30 minutes, and the alarms start
 *   over (only minutes from when the new capacity applies count).
 */
import { DecisionContext, MAX_SHARDS, MIN_SHARDS, ProvisionedPolicy, utilization } from '../sim';

export const SUBSTATION = {
  upThreshold: 0.7,
  upMinutes: 5,
  downThreshold: 0.35,
  downMinutes: 60,
  upCooldownMinutes: 3,
  downCooldownMinutes: 30,
};

/** Substation's scaling factor for a stream of `n` shards. */
export function substationFactor(n: number): number {
  if (n < 5) return 2;
  if (n < 13) return 1.75;
  if (n < 33) return 1.5;
  return 1.25;
}

export class SubstationPolicy implements ProvisionedPolicy {
  public onMinute(ctx: DecisionContext): void {
    const t = ctx.minute;
    const n = ctx.shards;
    const lastCall = ctx.calls.length > 0 ? ctx.calls[ctx.calls.length - 1] : undefined;
    const all = (minutes: number, breaching: (u: number) => boolean): boolean => {
      const first = ctx.lastVisibleMinute - minutes + 1;
      if (first < 0 || first < ctx.capacityAppliedAt) {
        return false;
      }
      return ctx.visible(first, ctx.lastVisibleMinute + 1).every((m) => breaching(utilization(m, n)));
    };
    const f = substationFactor(n);

    if ((lastCall === undefined || t - lastCall >= SUBSTATION.upCooldownMinutes)
      && all(SUBSTATION.upMinutes, (u) => u >= SUBSTATION.upThreshold)) {
      let target = Math.floor(n * f);
      if (target <= n) target = n + 1;
      target = Math.min(target, MAX_SHARDS);
      if (target > n) {
        ctx.updateShardCount(target);
      }
      return;
    }
    if ((lastCall === undefined || t - lastCall >= SUBSTATION.downCooldownMinutes)
      && all(SUBSTATION.downMinutes, (u) => u <= SUBSTATION.downThreshold)) {
      const target = Math.max(MIN_SHARDS, Math.ceil(n / f));
      if (target < n) {
        ctx.updateShardCount(target);
      }
    }
  }
}
