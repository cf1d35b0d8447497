/**
 * awslabs/amazon-kinesis-scaling-utils, as in its README's example configuration: a monitor
 * checks the stream every 5 minutes over the last 15 minutes of CloudWatch data.
 *
 * - Scale up by one shard when at least 5 of those minutes are above 75%, at most every 15 minutes.
 * - Scale down by one shard when all 15 minutes are below 25%, at most every 60 minutes.
 */
import { DecisionContext, MAX_SHARDS, MIN_SHARDS, ProvisionedPolicy, utilization } from '../sim';

export const SCALING_UTILS = {
  checkIntervalMinutes: 5,
  windowMinutes: 15,
  upThreshold: 0.75,
  upMinutes: 5,
  upCoolOffMinutes: 15,
  downThreshold: 0.25,
  downCoolOffMinutes: 60,
};

export class ScalingUtilsPolicy implements ProvisionedPolicy {
  private lastUp: number | undefined;
  private lastDown: number | undefined;

  public onMinute(ctx: DecisionContext): void {
    const t = ctx.minute;
    if (t % SCALING_UTILS.checkIntervalMinutes !== 0) {
      return;
    }
    const first = ctx.lastVisibleMinute - SCALING_UTILS.windowMinutes + 1;
    if (first < 0) {
      return;
    }
    const n = ctx.shards;
    const window = ctx.visible(first, ctx.lastVisibleMinute + 1).map((m) => utilization(m, n));
    const high = window.filter((u) => u > SCALING_UTILS.upThreshold).length;

    if (high >= SCALING_UTILS.upMinutes) {
      if ((this.lastUp === undefined || t - this.lastUp >= SCALING_UTILS.upCoolOffMinutes) && n < MAX_SHARDS) {
        if (ctx.updateShardCount(n + 1).accepted) {
          this.lastUp = t;
        }
      }
      return;
    }
    if (window.every((u) => u < SCALING_UTILS.downThreshold)) {
      if ((this.lastDown === undefined || t - this.lastDown >= SCALING_UTILS.downCoolOffMinutes) && n > MIN_SHARDS) {
        if (ctx.updateShardCount(n - 1).accepted) {
          this.lastDown = t;
        }
      }
    }
  }
}
