/**
 * The shard autoscaler's decision: a pure function of what CloudWatch and Kinesis show.
 *
 * The Lambda handler and the benchmark (bench/autoscaler.ts) both call `decide`, so the benchmark
 * measures the code that runs in production.
 */
import {
  AlarmRole,
  DAY_MS,
  MAX_CALLS_PER_24H,
  MINUTE_MS,
  SCHEDULE_AHEAD_MINUTES,
  SHARD_BYTES_PER_MINUTE,
  SHARD_RECORDS_PER_MINUTE,
  StreamScalingConfig,
} from '../../src/private/autoscaler-config';

/** One minute of a stream's CloudWatch metrics (Sum over the minute). */
export interface MinuteMetrics {
  /** IncomingBytes: successful writes only. */
  readonly incomingBytes: number;
  /** IncomingRecords: successful writes only. */
  readonly incomingRecords: number;
  /** WriteProvisionedThroughputExceeded: records rejected by throttling. */
  readonly throttledRecords: number;
}

/** One earlier period that may predict the next minutes: a week, or a day, before now. */
export interface HistoryWindow {
  /**
   * The `LEVEL_MINUTES` just before that time, oldest first: the clock minutes of the last
   * `LEVEL_MINUTES` of `recent`, a week or a day earlier.
   */
  readonly before: MinuteMetrics[];
  /** The minutes from that time on, oldest first: what the next `forecastMinutes` were then. */
  readonly after: MinuteMetrics[];
}

/**
 * What triggered the decision: an alarm, the check after a deployment, or the scheduled check
 * for peaks that history or the recent trend expects soon.
 */
export type Trigger = AlarmRole | 'Reconcile' | 'Schedule';

export interface PolicyInput {
  /** Decision time, epoch milliseconds. */
  readonly now: number;
  readonly trigger: Trigger;
  readonly config: Omit<StreamScalingConfig, 'streamName'>;
  /** From DescribeStreamSummary. */
  readonly streamMode: string;
  readonly streamStatus: string;
  readonly openShardCount: number;
  /** The last minutes CloudWatch shows, oldest first; the last entry is the latest visible minute. */
  readonly recent: MinuteMetrics[];
  /**
   * Earlier periods that predict the next minutes, best first: the same time a week ago (same
   * weekday), then a day ago. Only the first is used. Empty when unknown or not predictive.
   */
  readonly history: HistoryWindow[];
  /** Epoch milliseconds of this stream's UpdateShardCount calls (any age; older ones are ignored). */
  readonly calls: number[];
  /**
   * The busiest minute of the last 24 hours up to the latest visible minute, in shards' worth
   * of successful writes (`writtenShards`): what a scale-down must be able to climb back to
   * (`climbBackShards`). Successful writes only, so that a storm of retries does not hold
   * capacity for a day.
   */
  readonly dayPeakShards: number;
}

export type Action = 'scale-up' | 'scale-down' | 'none';

export interface Decision {
  readonly action: Action;
  readonly currentShards: number;
  /** The shard count to ask for; equals `currentShards` when the action is 'none'. */
  readonly targetShards: number;
  /**
   * The shard count the demand calls for (the peak seen or expected, or where a surge leads), before
   * Kinesis's, the bounds' and the budget's limits.
   */
  readonly desiredShards: number;
  /** Peak demand, in shards' worth per minute, seen in the lookback window. */
  readonly recentPeakShards: number;
  /**
   * Peak demand expected in the next `lookbackMinutes` (history and trend), in shards' worth; for
   * a scheduled check, also in the next `SCHEDULE_AHEAD_MINUTES`.
   */
  readonly forecastPeakShards: number;
  /** The factor history was scaled by to today's level (see `levelledHistory`); 1 when unscaled. */
  readonly historyScale: number;
  /** UpdateShardCount calls in the last 24 hours, before this decision. */
  readonly callsInLast24h: number;
  /** A sentence for the log. */
  readonly reason: string;
}

/**
 * The demand of one minute in shards' worth: the larger of bytes and records, each against one
 * shard's per-minute capacity. Throttled records count as demand: CloudWatch's IncomingBytes and
 * IncomingRecords are successful writes only, so a throttled minute understates what was sent.
 */
export function demandShards(m: MinuteMetrics): number {
  const records = m.incomingRecords + m.throttledRecords;
  const bytes = m.incomingRecords > 0
    ? m.incomingBytes * (records / m.incomingRecords)
    : m.incomingBytes;
  return shardsWorth(bytes, records);
}

/**
 * The successful writes of one minute in shards' worth: `demandShards` without the throttled
 * records, so at most the capacity the stream had then. What the ScaleUp and ScaleDown alarms
 * watch.
 */
export function writtenShards(m: MinuteMetrics): number {
  return shardsWorth(m.incomingBytes, m.incomingRecords);
}

/**
 * The busiest of `minutes` in shards' worth of successful writes (`writtenShards`), 0 for none:
 * `PolicyInput.dayPeakShards` over the last 24 hours, as the handler and the benchmark read it.
 */
export function peakWrittenShards(minutes: MinuteMetrics[]): number {
  return minutes.reduce((max, m) => Math.max(max, writtenShards(m)), 0);
}

/** A minute's bytes and records in shards' worth: the larger of the two against one shard's capacity. */
function shardsWorth(bytes: number, records: number): number {
  return Math.max(bytes / SHARD_BYTES_PER_MINUTE, records / SHARD_RECORDS_PER_MINUTE);
}

/**
 * Whether the handler puts the triggering alarm back to OK after an invocation, so that a
 * persisting condition triggers it again at the next period. Not a ScaleDown alarm on a stream
 * at (or below) minShards: nothing can come of it until the stream grows, and resetting it
 * would invoke the handler every minute for as long as the stream is quiet.
 */
export function shouldResetAlarm(trigger: Trigger, currentShards: number | undefined, config: Pick<StreamScalingConfig, 'minShards'>): boolean {
  return !(trigger === 'ScaleDown' && currentShards !== undefined && currentShards <= config.minShards);
}

/**
 * The alarms the handler puts back to OK after an invocation, in order. After a reshard, the
 * ScaleDown alarm first: left in ALARM (at minShards, or still breaching) it would not fire again
 * for its new threshold. Then the triggering alarm, as `shouldResetAlarm` says; none for a
 * reconcile or a scheduled check. `shards` is the count asked for after a reshard, else the
 * count seen (undefined if none was).
 */
export function alarmsToReset(
  trigger: Trigger, shards: number | undefined, resharded: boolean, config: Pick<StreamScalingConfig, 'minShards'>,
): AlarmRole[] {
  const roles: AlarmRole[] = [];
  if (resharded && trigger !== 'ScaleDown' && shouldResetAlarm('ScaleDown', shards, config)) {
    roles.push('ScaleDown');
  }
  if (trigger !== 'Reconcile' && trigger !== 'Schedule' && shouldResetAlarm(trigger, shards, config)) {
    roles.push(trigger);
  }
  return roles;
}

/** Calls within the rolling 24 hours before `now`. */
export function callsInWindow(calls: number[], now: number): number {
  return calls.filter((t) => t > now - DAY_MS && t <= now).length;
}

/** How far ahead the recent trend is carried. */
export const TREND_HORIZON_MINUTES = 15;

function peak(minutes: MinuteMetrics[]): number {
  return minutes.reduce((max, m) => Math.max(max, demandShards(m)), 0);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The middle of the values in numeric order, or the mean of the two middle ones; `values` is left as it is. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The median demand of the first and of the last quarter of a window; undefined when a quarter
 * has fewer than 3 minutes. Medians, so that bursts do not read as a change of level.
 */
function quarterMedians(minutes: MinuteMetrics[]): { early: number; late: number; quarter: number } | undefined {
  const quarter = Math.floor(minutes.length / 4);
  if (quarter < 3) {
    return undefined;
  }
  const demand = minutes.map(demandShards);
  return { early: median(demand.slice(0, quarter)), late: median(demand.slice(-quarter)), quarter };
}

/** Demand is rising when the last quarter's median is at least this many times the first's. */
export const RISING = 1.1;

/** Whether demand is rising over the window: see `RISING`. */
export function isRising(minutes: MinuteMetrics[]): boolean {
  const ends = quarterMedians(minutes);
  return ends !== undefined && ends.late >= RISING * ends.early && ends.late > 0;
}

/** Minutes in which `climbSlope` looks for a steady climb by default: four quarters of 7. */
export const CLIMB_MINUTES = 28;
/**
 * A climb is steady when each of its quarters' medians rises by at least this share of the
 * average rise per quarter.
 */
export const CLIMB_EVENNESS = 0.25;

/**
 * `climbSlope` takes a climb whose last quarter levelled off for no climb when that quarter's
 * halves have at least this many minutes (a whole hour's lookback: halves of 7).
 */
export const LEVELLED_HALF_MINUTES = 5;

/**
 * The rise per minute of a steady climb over the last `window` minutes (`CLIMB_MINUTES` by
 * default), or 0 when there is none, or fewer minutes, or quarters shorter than 3 minutes. The
 * window is cut into four quarters of ⌊window / 4⌋ minutes (the last 4 × ⌊window / 4⌋ minutes);
 * it climbs steadily when each quarter's median is above the one before by at least
 * `CLIMB_EVENNESS` of the average rise, and the last is at least `RISING` times the first; and,
 * with quarters long enough (halves of `LEVELLED_HALF_MINUTES` or more), when the last quarter's
 * later half is above its earlier half, so that a ramp that has ended is not carried on. A
 * step change lifts the medians on one side of it only, and a burst moves no median, so neither
 * reads as a climb. Over the default window, this catches a ramp that began within the last
 * half hour, which the whole lookback's quarters see only in part.
 */
export function climbSlope(minutes: MinuteMetrics[], window = CLIMB_MINUTES): number {
  const quarter = Math.floor(window / 4);
  if (minutes.length < window || quarter < 3) {
    return 0;
  }
  const demand = minutes.slice(-4 * quarter).map(demandShards);
  const medians = [0, 1, 2, 3].map((k) => median(demand.slice(k * quarter, (k + 1) * quarter)));
  const rise = medians[3] - medians[0];
  const smallest = Math.min(medians[1] - medians[0], medians[2] - medians[1], medians[3] - medians[2]);
  if (!(rise > 0) || medians[3] < RISING * medians[0] || !(smallest >= (CLIMB_EVENNESS * rise) / 3)) {
    return 0;
  }
  // A climb that has levelled off within its last quarter: the quarter's later half no higher
  // than its earlier half. Only where the halves are long enough for medians to tell that from
  // noise.
  const half = Math.floor(quarter / 2);
  const last = demand.slice(3 * quarter);
  if (half >= LEVELLED_HALF_MINUTES && !(median(last.slice(-half)) > median(last.slice(0, half)))) {
    return 0;
  }
  return rise / (3 * quarter);
}

/**
 * `top` plus `slope` a minute carried `horizon` minutes ahead, at most half again `top` (a step
 * change reads as a steep slope for a while); 0 unless the slope and the horizon are positive.
 */
function carried(top: number, slope: number, horizon: number): number {
  return slope > 0 && horizon > 0 ? top + Math.min(slope * horizon, top / 2) : 0;
}

/**
 * Where a steady climb leads: the recent peak plus the rise per minute of a steady climb
 * (`climbSlope`) over the last `CLIMB_MINUTES` or over the whole window, whichever is steeper,
 * carried `horizon` minutes ahead, at most half again the peak; 0 when neither climbs steadily.
 * Unlike `trendPeak`, a step change is no trend here: the scheduled check acts on this without
 * an alarm having fired, so it must not take a step that has already levelled off for a ramp.
 */
export function steadyTrendPeak(minutes: MinuteMetrics[], horizon: number): number {
  return carried(peak(minutes), Math.max(climbSlope(minutes), climbSlope(minutes, minutes.length)), horizon);
}

/**
 * Where the recent peak is heading: the recent peak plus the rise per minute, carried `horizon`
 * minutes ahead. The rise is the larger of two: between the median demand of the first and the
 * last quarter of the window, and that of a steady climb over the last `CLIMB_MINUTES`
 * (`climbSlope`). Medians, so that bursts do not read as a trend. Zero when flat or falling.
 */
export function trendPeak(minutes: MinuteMetrics[], horizon: number): number {
  const ends = quarterMedians(minutes);
  if (!ends) {
    return 0;
  }
  const { early, late, quarter } = ends;
  return carried(peak(minutes), Math.max((late - early) / (minutes.length - quarter), climbSlope(minutes)), horizon);
}

/** `surgePeak` reads the last three groups of this many minutes. */
export const SURGE_GROUP_MINUTES = 3;
/**
 * Minutes ahead of the latest visible minute that `surgePeak` carries a rise: the minute
 * CloudWatch shows a minute late, the call, the reshard's default 2 minutes of UPDATING, and one
 * more, so that the new shards are in place before demand gets there.
 */
export const SURGE_LEAD_MINUTES = 5;

/**
 * Where a fast, steady rise over the last 3 × `SURGE_GROUP_MINUTES` minutes leads
 * `SURGE_LEAD_MINUTES` after the latest visible minute; 0 when there are fewer minutes or no such
 * rise. Each group of minutes is read by its quietest minute, so that a burst of a minute or two
 * lifts none of them. The rise is steady when each group is above the one before by at least
 * `CLIMB_EVENNESS` of the average rise, and the last is at least `RISING` times both the first
 * and the median of all the minutes given (the lookback): a step change lifts the groups on one
 * side of it only, and noise on a busy, flat stream does not lift the last group that far. The last group's low is carried at the rise per
 * minute from its middle minute, at most half again (see `carried`). This reads a ramp that began
 * minutes ago at its own pace, before the hour's quarters (`isRising`, `trendPeak`) or the half
 * hour's (`climbSlope`) see it.
 */
export function surgePeak(minutes: MinuteMetrics[]): number {
  const g = SURGE_GROUP_MINUTES;
  if (minutes.length < 3 * g) {
    return 0;
  }
  const demand = minutes.slice(-3 * g).map(demandShards);
  const lows = [0, 1, 2].map((k) => Math.min(...demand.slice(k * g, (k + 1) * g)));
  const rise = lows[2] - lows[0];
  const smallest = Math.min(lows[1] - lows[0], lows[2] - lows[1]);
  const usual = median(minutes.map(demandShards));
  if (!(rise > 0) || lows[2] < RISING * Math.max(lows[0], usual) || !(smallest >= (CLIMB_EVENNESS * rise) / 2)) {
    return 0;
  }
  return carried(lows[2], rise / (2 * g), SURGE_LEAD_MINUTES + (g - 1) / 2);
}

/**
 * How far ahead a peak that history expects calls for a scale-up (at most `lookbackMinutes`);
 * the rest of the forecast only holds capacity and sizes the move. Near enough that the scheduled
 * check every `SCHEDULE_MINUTES` (acting on `SCHEDULE_AHEAD_MINUTES`) and an alarm's invocation
 * meet a known peak at about the same time, whenever the alarm happens to fire: an alarm that
 * fires early in a known rise does not buy its peak's shards an hour early.
 */
export const UP_AHEAD_MINUTES = 30;

/**
 * How much of the forecast a scale-up sizes for: the busiest minute history expects within these
 * minutes (all of the forecast window, if shorter). Shorter than the default 4-hour window, so
 * that a rising day takes one more step rather than holding the afternoon's size from late
 * morning; the whole window still holds off scale-downs.
 */
export const SIZE_AHEAD_MINUTES = 180;

/** Minutes whose mean demand compares today's level with history's. */
export const LEVEL_MINUTES = 30;
/** History is scaled down when today's level is below this share of its level then. */
export const LEVEL_BELOW = 0.8;
/**
 * Today's level at or above this multiple of history's (the mirror of `LEVEL_BELOW`), on a rising
 * day, means history understates what is coming: a scale-up is then sized as without history.
 */
export const LEVEL_ABOVE = 1 / LEVEL_BELOW;

/** What `levelledHistory` returns. */
export interface LevelledHistory {
  /** The history window's forecast, scaled by `scale`. */
  readonly forecast: MinuteMetrics[];
  /** The factor the forecast was scaled by: `ratio` when below `LEVEL_BELOW`, otherwise 1. */
  readonly scale: number;
  /**
   * Today's level over history's: 1 without minutes to compare, and infinite when history was
   * quiet then and today is not (a stream that started writing since).
   */
  readonly ratio: number;
}

/**
 * The forecast a history window gives, levelled to today's traffic. When the mean demand of the
 * last `LEVEL_MINUTES` (fewer if `recent` or `before` has fewer) is below `LEVEL_BELOW` of the
 * mean of the same clock minutes then (a Saturday after a Friday, a holiday, a quieter week),
 * the whole forecast, bursts included, is scaled by that ratio. Means, so that a producer that
 * writes in some minutes only is read at its real level. Traffic above history's level leaves
 * the forecast as it is: the recent peak and the trend cover it, and scaling up would read a
 * step change as a new level for the whole window.
 */
export function levelledHistory(recent: MinuteMetrics[], window: HistoryWindow): LevelledHistory {
  const count = Math.min(LEVEL_MINUTES, recent.length, window.before.length);
  const level = count > 0 ? mean(window.before.slice(-count).map(demandShards)) : 0;
  const today = count > 0 ? mean(recent.slice(-count).map(demandShards)) : 0;
  const ratio = level > 0 ? today / level : (today > 0 ? Number.POSITIVE_INFINITY : 1);
  if (ratio >= LEVEL_BELOW) {
    return { forecast: window.after, scale: 1, ratio };
  }
  return {
    forecast: window.after.map((m) => ({
      incomingBytes: m.incomingBytes * ratio,
      incomingRecords: m.incomingRecords * ratio,
      throttledRecords: m.throttledRecords * ratio,
    })),
    scale: ratio,
    ratio,
  };
}

function aboveNote(ratio: number): string {
  return Number.isFinite(ratio)
    ? `today at ${ratio.toFixed(2)} times history's level, and rising`
    : 'today rising where history was quiet';
}

function pct(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/**
 * The share of the current shards that the peak seen or expected must reach for a scale-up:
 * `scaleUpThreshold`, or, on a rise that history does not foresee (none read, as on a stream's
 * first day or when not predictive; today well above it; or history scaled to nothing) while
 * demand is rising (`isRising`), halfway between `targetUtilization` and `scaleUpThreshold`.
 * Such a rise is met from the alarm's and the trend's view alone, a few minutes late, with
 * noise on top: starting earlier keeps a minute above the trend from throttling. Halfway, above
 * `targetUtilization`, so that the same minutes want at least N + 1 shards: a scale-down from
 * the new count must save a third (`minScaleDownRatio`), which takes it to N at most, so it
 * cannot undo the move on those minutes (at `targetUtilization` itself they could want N).
 */
export function scaleUpAt(config: Pick<StreamScalingConfig, 'targetUtilization' | 'scaleUpThreshold'>, risingUnforeseen: boolean): number {
  return risingUnforeseen ? (config.targetUtilization + config.scaleUpThreshold) / 2 : config.scaleUpThreshold;
}

/**
 * The fewest shards from which `calls` UpdateShardCount calls, each at most doubling the stream,
 * reach `high` shards: ⌈high / 2^calls⌉ (`high` itself without a call).
 */
export function climbBackShards(high: number, calls: number): number {
  return Math.ceil(high / 2 ** calls);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * Decides whether and how far to reshard.
 *
 * - Only provisioned, ACTIVE streams are touched.
 * - The stream is sized so that the peak minute of the lookback window (and, when predictive,
 *   of as many coming minutes as seen a week or a day ago, levelled to today's traffic, and of
 *   the recent trend) runs at `targetUtilization`; a scale-up sizes for `SIZE_AHEAD_MINUTES` of
 *   the forecast.
 * - It scales up once that peak (with history read `UP_AHEAD_MINUTES` ahead only) reaches
 *   `scaleUpThreshold` of the shards, or, on a rise that history does not foresee, halfway from
 *   `targetUtilization` to it (`scaleUpAt`); on such a rise, also as soon as its pace
 *   (`surgePeak`) gets past that point within `SURGE_LEAD_MINUTES`.
 * - Targets stay within [ceil(N/2), 2N] and [minShards, maxShards].
 * - At most 10 calls in any rolling 24 h; scale-downs never use the last `scaleUpReserve`
 *   of them (one fewer, but never none, when history expects the new count to take the whole
 *   forecast window), so the stream can always scale up, and only happen for a large enough
 *   saving. A scale-down also leaves calls enough to climb back, doubling each time, to the
 *   shards the last 24 hours' busiest minute needed (`climbBackShards`): a stream that goes
 *   quiet at night keeps the calls its morning needs.
 * - When predictive, no scale-down while history says the forecast window will need the
 *   current shards again: the call would be spent twice, down and straight back up.
 * - No scale-down within `scaleDownMinutes` of the last call (a stream above maxShards excepted):
 *   the ScaleDown alarm, rewritten for the new count, judges that many minutes at once, and
 *   right after a call most of them were served by the old count.
 * - Without history, or when today runs at `LEVEL_ABOVE` times history's level or more (or
 *   history was quiet) and is still rising (`isRising`), a scale-up is at least
 *   N / minScaleDownRatio: history does not say how far the rise will go.
 * - A scheduled check ('Schedule') acts only on a peak that history, or a steady climb
 *   (`steadyTrendPeak`), expects to reach `scaleUpThreshold` within `SCHEDULE_AHEAD_MINUTES`,
 *   and then only scales up. A scale-down never goes below what that climb, or a surge, needs,
 *   so that the next check or alarm does not scale straight back up.
 */
export function decide(input: PolicyInput): Decision {
  const { config } = input;
  const n = input.openShardCount;
  const used = callsInWindow(input.calls, input.now);
  const recentPeak = peak(input.recent);
  // Known peaks ahead (what followed this time a week, or a day, ago, levelled to today's
  // traffic) and where the recent trend leads. The next `lookbackMinutes` of history count like
  // the last ones: they hold capacity, and UP_AHEAD_MINUTES of them call for more.
  // SIZE_AHEAD_MINUTES of it size a scale-up, so that a rising day takes few, large steps; all of
  // it holds off a scale-down.
  const withHistory = config.predictive && input.history.length > 0;
  const levelled: LevelledHistory = withHistory
    ? levelledHistory(input.recent, input.history[0])
    : { forecast: [], scale: 1, ratio: 1 };
  const history = levelled.forecast;
  // Where a steady climb leads within SCHEDULE_AHEAD_MINUTES: the scheduled check acts on it (a
  // ramp too slow to fire the alarm in time), and a scale-down does not go below it, so that the
  // next check does not scale straight back up.
  const climbing = config.predictive ? steadyTrendPeak(input.recent, SCHEDULE_AHEAD_MINUTES) : 0;
  // What the scheduled check acts on: that, or the peak history expects as soon.
  const soon = input.trigger === 'Schedule' ? Math.max(peak(history.slice(0, SCHEDULE_AHEAD_MINUTES)), climbing) : 0;
  const trend = config.predictive ? trendPeak(input.recent, TREND_HORIZON_MINUTES) : 0;
  const forecastPeak = config.predictive ? Math.max(peak(history.slice(0, config.lookbackMinutes)), trend, soon) : 0;
  const farPeak = peak(history);
  const sizePeak = peak(history.slice(0, SIZE_AHEAD_MINUTES));
  const need = Math.max(recentPeak, forecastPeak);
  // What calls for a scale-up: the same, with history read UP_AHEAD_MINUTES ahead only, so that
  // an alarm that fires early in a known rise does not meet its peak sooner than needed.
  const upNeed = config.predictive
    ? Math.max(recentPeak, peak(history.slice(0, Math.min(UP_AHEAD_MINUTES, config.lookbackMinutes))), trend, soon)
    : recentPeak;
  // The shards that run `demand` shards' worth at targetUtilization; `sizedFor` keeps them
  // within the bounds.
  const shardsFor = (demand: number) => Math.ceil(demand / config.targetUtilization - 1e-9);
  const sizedFor = (demand: number) => clamp(shardsFor(demand), config.minShards, config.maxShards);
  const wanted = Math.max(1, shardsFor(need));
  const desired = clamp(wanted, config.minShards, config.maxShards);

  // Whether history foresees what comes: it is there, and today is not rising well above it (a
  // Monday read from a Sunday, a launch), nor does it scale to nothing.
  const rising = isRising(input.recent);
  const aboveHistory = withHistory && levelled.ratio >= LEVEL_ABOVE && rising;
  const knownAhead = withHistory && levelled.scale > 0 && !aboveHistory;
  const upAt = scaleUpAt(config, !knownAhead && rising);

  // Where a fast rise that history does not foresee leads within SURGE_LEAD_MINUTES (`surgePeak`),
  // and the shards it wants.
  const surge = knownAhead ? 0 : surgePeak(input.recent);
  const surgeWanted = surge > 0 ? shardsFor(surge) : 0;

  const base = {
    currentShards: n,
    desiredShards: Math.max(wanted, surgeWanted),
    recentPeakShards: recentPeak,
    forecastPeakShards: forecastPeak,
    historyScale: levelled.scale,
    callsInLast24h: used,
  };
  const none = (reason: string): Decision => ({ ...base, action: 'none', targetShards: n, reason });

  const levelNote = levelled.scale < 1 ? ` (history scaled by ${levelled.scale.toFixed(2)} to today's level)` : '';
  if (input.streamMode !== 'PROVISIONED') {
    return none(`stream is ${input.streamMode}: only provisioned streams are resharded`);
  }
  if (input.streamStatus !== 'ACTIVE') {
    return none(`stream is ${input.streamStatus}: UpdateShardCount waits until it is ACTIVE`);
  }
  if (used >= MAX_CALLS_PER_24H) {
    return none(`${used} UpdateShardCount calls in the last 24 h: the budget of ${MAX_CALLS_PER_24H} is spent`);
  }
  // The scheduled check only meets a peak that history or the recent trend expects before the
  // alarms could: one that reaches scaleUpThreshold within SCHEDULE_AHEAD_MINUTES. It then decides
  // like an alarm would.
  if (input.trigger === 'Schedule' && soon < n * config.scaleUpThreshold) {
    return none(`scheduled check: history and the recent trend expect ${soon.toFixed(2)} shards' worth within ${SCHEDULE_AHEAD_MINUTES} min, which ${n} shards take`);
  }

  if (wanted > config.maxShards && n === config.maxShards) {
    return none(`at maxShards (${config.maxShards}): demand calls for ${wanted}`);
  }

  // Scale up when the peak seen or expected would run the stream at `scaleUpThreshold` or more
  // (earlier on a rise history does not foresee: see `scaleUpAt`), or it is below minShards, and
  // then straight to the size for `targetUtilization`: small steps would spend the daily budget.
  // A rise history does not foresee, fast enough to pass `upAt` before new shards could be in
  // place (`surgePeak`): met now, not when the peak seen gets there.
  const surging = n < config.maxShards && surge >= n * upAt;
  const called = n < config.minShards || (desired > n && upNeed >= n * upAt);
  if (called || surging) {
    const surged = !called;
    // Without history to say how far demand will rise, a scale-up is at least as large a move
    // as the smallest scale-down (N / minScaleDownRatio), so that a rising day does not spend
    // its calls on small steps. With history, the forecast already sizes the move, unless today
    // is rising well above it: history then understates the rise, and the move is sized as
    // without it. A stream below minShards goes to what it needs, at least minShards (`desired`).
    const floor = knownAhead || n < config.minShards ? 0 : Math.ceil(n / config.minScaleDownRatio - 1e-9);
    const sizedAhead = sizedFor(Math.max(need, sizePeak, surge));
    const target = Math.min(Math.max(desired, sizedAhead, floor), 2 * n, config.maxShards);
    return {
      ...base,
      action: 'scale-up',
      targetShards: target,
      reason: `peak ${recentPeak.toFixed(2)} shards' worth in the last ${input.recent.length} min`
        + (forecastPeak > 0 ? `, ${forecastPeak.toFixed(2)} expected${levelNote}` : '')
        + (aboveHistory && n >= config.minShards ? ` (${aboveNote(levelled.ratio)})` : '')
        + (n >= config.minShards && !surged && upNeed < n * config.scaleUpThreshold ? ` (rising unforeseen: met from ${pct(upAt)} of ${n} shards)` : '')
        + (surged || surgeWanted > wanted ? ` (surging: ${surge.toFixed(2)} shards' worth expected in ${SURGE_LEAD_MINUTES} min)` : '')
        + `: ${n} -> ${target} (wanted ${Math.max(wanted, surgeWanted)})`,
    };
  }

  // A stream above maxShards comes here too: `desired` is at most maxShards.
  if (desired < n) {
    const sized = Math.max(sizedFor(Math.max(need, climbing, surge)), Math.ceil(n / 2), config.minShards);
    if (sized >= n) {
      // Only a climb or a surge under way holds the count here: the peak alone wants fewer than
      // N shards, and so do ceil(N/2) and minShards (at most `desired`).
      const ahead = sizedFor(Math.max(climbing, surge));
      return none(`${n} shards kept: the climb under way wants ${ahead} within ${surge > climbing ? SURGE_LEAD_MINUTES : SCHEDULE_AHEAD_MINUTES} min`);
    }
    // No scale-down within scaleDownMinutes of the last call (calls after `now`, which only a
    // skewed clock or an edited table could record, are not counted, as in `callsInWindow`): the
    // ScaleDown alarm, rewritten for the new count, judges that many minutes at once, and right
    // after a call most of them were served by the old count. After a scale-up by half again,
    // minutes that ran at 90% of the old count run at 60% of the new one, and a rise whose pace
    // (`surgePeak`) called for the shards may not read as one two minutes later: the call would
    // be undone while demand is still climbing.
    const sinceCall = Math.floor((input.now - Math.max(...input.calls.filter((c) => c <= input.now), -Infinity)) / MINUTE_MS);
    if (n <= config.maxShards && sinceCall < config.scaleDownMinutes) {
      return none(`${n} shards kept: the last UpdateShardCount call was ${sinceCall} min ago, `
        + `and a scale-down waits ${config.scaleDownMinutes} min after a call, the minutes the ScaleDown alarm judges`);
    }
    // The calls no scale-down spends: scaleUpReserve, or one fewer (never none) when history
    // expects the new count to last (see `lasting` below).
    const leastReserve = Math.max(1, config.scaleUpReserve - 1);
    if (used >= MAX_CALLS_PER_24H - leastReserve) {
      return none(`${used} calls in the last 24 h: no scale-down spends the last ${leastReserve === 1 ? 'one' : leastReserve}, kept for scaling up`);
    }
    if (n <= config.maxShards && sized > Math.floor(n * config.minScaleDownRatio)) {
      return none(`scale-down ${n} -> ${sized} saves too little to spend a call on`);
    }
    // A scale-down leaves calls enough to climb back, doubling each time, to the shards the last
    // 24 hours' busiest minute of writes needed, so that a stream that goes quiet at night does
    // not spend on its way down the calls its morning needs. Counted: the calls left after this
    // one, and, when history is trusted, those that age out UP_AHEAD_MINUTES before history, read
    // as it was (not levelled down to a quiet today), expects more than the new count.
    const dayHigh = sizedFor(Math.max(input.dayPeakShards, recentPeak));
    let freed = 0;
    if (knownAhead) {
      const then = input.history[0].after;
      const outgrown = then.findIndex((m) => demandShards(m) > sized * config.targetUtilization);
      const lead = Math.max(0, (outgrown < 0 ? then.length : outgrown) - UP_AHEAD_MINUTES);
      freed = input.calls.filter((c) => c > input.now - DAY_MS && c <= input.now - DAY_MS + lead * MINUTE_MS).length;
    }
    const callsLeft = MAX_CALLS_PER_24H - used - 1 + freed;
    const callsLeftText = `${callsLeft} ${callsLeft === 1 ? 'call' : 'calls'} it would have`;
    const climbBack = climbBackShards(dayHigh, callsLeft);
    const target = Math.max(sized, climbBack);
    if (n <= config.maxShards && target > Math.floor(n * config.minScaleDownRatio)) {
      return none(`${n} shards kept: ${sized} could not climb back to the ${dayHigh} shards of the last 24 hours' busiest minute`
        + ` with the ${callsLeftText}` + (target < n ? `, and ${target} saves too little` : ''));
    }
    if (config.predictive && shardsFor(farPeak) >= n) {
      return none(`history expects ${farPeak.toFixed(2)} shards' worth within ${config.forecastMinutes} min${levelNote}: ${n} shards are kept`);
    }
    // The calls a scale-down leaves for scaling up: scaleUpReserve, or one fewer (never none)
    // when history expects the new count to take the whole forecast window. An evening's
    // scale-down then need not wait for the morning's calls to age out; one call, up to 2N, is
    // still there for what history did not foresee.
    const lasting = knownAhead && history.length >= config.forecastMinutes && sizedFor(farPeak) <= target;
    if (!lasting && used >= MAX_CALLS_PER_24H - config.scaleUpReserve) {
      // Reached with scaleUpReserve of 2 or more only: a smaller one keeps its one call above.
      return none(`${used} calls in the last 24 h: the last ${config.scaleUpReserve} are kept for scaling up`);
    }
    return {
      ...base,
      action: 'scale-down',
      targetShards: target,
      reason: `peak ${recentPeak.toFixed(2)} shards' worth in the last ${input.recent.length} min`
        + (forecastPeak > 0 ? `, ${forecastPeak.toFixed(2)} expected${levelNote}` : '')
        + (target > sized ? ` (not below ${target}: the ${callsLeftText} climb back from there to the ${dayHigh} shards of the last 24 hours' busiest minute)` : '')
        + `: ${n} -> ${target}`,
    };
  }
  if (desired > n && need >= n * upAt) {
    // What calls for more is history's peak beyond UP_AHEAD_MINUTES: met when it comes nearer.
    return none(`history expects ${need.toFixed(2)} shards' worth within ${config.lookbackMinutes} min${levelNote}, `
      + `not within ${Math.min(UP_AHEAD_MINUTES, config.lookbackMinutes)}: ${n} shards until it comes nearer`);
  }
  return none(`${n} shards fit a peak of ${need.toFixed(2)} shards' worth`);
}
