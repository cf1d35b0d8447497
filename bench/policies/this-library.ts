/**
 * This library's autoscaler: the three deployed CloudWatch alarms, emulated minute by minute on
 * what CloudWatch shows, invoke the handler logic, which calls the production `decide`.
 */
import * as policy from '../../lambda/autoscaler/policy';
import {
  ALARM_ROLES,
  AlarmRole,
  AlarmSpec,
  alarmSpecs,
  DAY_MS,
  DEFAULT_SCALING,
  MINUTE_MS,
  SCHEDULE_MINUTES,
  StreamScalingConfig,
} from '../../src/private/autoscaler-config';
import type { DecisionContext, ProvisionedPolicy } from '../sim';

/** The handler's settings in the benchmark: the defaults, with Kinesis's own shard bounds. */
export function thisLibraryConfig(): Omit<StreamScalingConfig, 'streamName'> {
  return { ...DEFAULT_SCALING, minShards: 1, maxShards: 10_000 };
}

/** One handler invocation, for tests and debugging. */
export interface Invocation {
  readonly minute: number;
  readonly trigger: policy.Trigger;
  readonly decision: policy.Decision;
  /** Whether the simulator accepted the UpdateShardCount call; undefined when none was made. */
  readonly accepted?: boolean;
}

type AlarmState = 'OK' | 'ALARM';

/** The value the alarm of `role` watches in one minute. */
function alarmValue(role: AlarmRole, m: policy.MinuteMetrics): number {
  if (role === 'Throttled') {
    return m.throttledRecords;
  }
  return policy.writtenShards(m);
}

function breaches(spec: AlarmSpec, value: number): boolean {
  return spec.comparison === 'GreaterThanOrEqualToThreshold' ? value >= spec.threshold : value <= spec.threshold;
}

export class ThisLibraryPolicy implements ProvisionedPolicy {
  public readonly invocations: Invocation[] = [];
  private readonly config: Omit<StreamScalingConfig, 'streamName'>;
  /** The shard count the alarm thresholds are currently set for. */
  private thresholdShards: number;
  private readonly state: Record<AlarmRole, AlarmState> = { ScaleUp: 'OK', ScaleDown: 'OK', Throttled: 'OK' };

  constructor(initialShards: number, config = thisLibraryConfig()) {
    this.thresholdShards = initialShards;
    this.config = config;
  }

  public onMinute(ctx: DecisionContext): void {
    // Every alarm evaluates the datapoints visible now; those that go into ALARM invoke the handler.
    const specs = alarmSpecs(this.config, this.thresholdShards);
    const triggered: AlarmRole[] = [];
    for (const role of ALARM_ROLES) {
      const spec = specs.find((s) => s.role === role)!;
      const last = ctx.lastVisibleMinute;
      let breaching = 0;
      for (let m = last - spec.evaluationPeriods + 1; m <= last; m++) {
        // Missing data (before the first minute) is not breaching.
        if (m >= 0 && breaches(spec, alarmValue(role, ctx.metrics(m)))) {
          breaching++;
        }
      }
      const next: AlarmState = breaching >= spec.datapointsToAlarm ? 'ALARM' : 'OK';
      if (next === 'ALARM' && this.state[role] !== 'ALARM') {
        triggered.push(role);
      }
      this.state[role] = next;
    }
    for (const role of triggered) {
      this.invoke(ctx, role);
    }
    // The scheduled check (an EventBridge rule every SCHEDULE_MINUTES) for predictive streams.
    if (this.config.predictive && ctx.minute % SCHEDULE_MINUTES === 0) {
      this.invoke(ctx, 'Schedule');
    }
  }

  /**
   * Runs the handler's decision and its call, then sets back to OK the alarms the handler would
   * (policy.alarmsToReset), so that a lasting condition triggers them again.
   */
  private invoke(ctx: DecisionContext, trigger: policy.Trigger): void {
    const seen = ctx.shards;
    const target = this.decideAndCall(ctx, trigger);
    for (const role of policy.alarmsToReset(trigger, target ?? seen, target !== undefined, this.config)) {
      this.state[role] = 'OK';
    }
  }

  /** The handler's decision; returns the shard count asked for if the call was accepted. */
  private decideAndCall(ctx: DecisionContext, trigger: policy.Trigger): number | undefined {
    const t = ctx.minute;
    const { lookbackMinutes, forecastMinutes, predictive } = this.config;
    // The handler's windows: the clock minutes of the end of `recent`, then what followed.
    const history: policy.HistoryWindow[] = [];
    if (predictive) {
      for (const offsetMinutes of [(7 * DAY_MS) / MINUTE_MS, DAY_MS / MINUTE_MS]) {
        const start = t - offsetMinutes - 1;
        if (start >= 0) {
          history.push({ before: ctx.visible(start - policy.LEVEL_MINUTES, start), after: ctx.visible(start, start + forecastMinutes) });
        }
      }
    }
    const input: policy.PolicyInput = {
      now: t * MINUTE_MS,
      trigger,
      config: this.config,
      streamMode: 'PROVISIONED',
      streamStatus: ctx.status,
      openShardCount: ctx.shards,
      recent: ctx.visible(t - 1 - lookbackMinutes, t - 1),
      history,
      calls: ctx.calls.map((c) => c * MINUTE_MS),
      dayPeakShards: policy.peakWrittenShards(ctx.visible(t - 1 - DAY_MS / MINUTE_MS, t - 1)),
    };
    const decision = policy.decide(input);
    if (decision.action === 'none') {
      this.invocations.push({ minute: t, trigger, decision });
      return undefined;
    }
    const result = ctx.updateShardCount(decision.targetShards);
    this.invocations.push({ minute: t, trigger, decision, accepted: result.accepted });
    if (!result.accepted) {
      return undefined;
    }
    // The handler rewrites the ScaleUp and ScaleDown thresholds for the new count at once.
    this.thresholdShards = decision.targetShards;
    return decision.targetShards;
  }
}
