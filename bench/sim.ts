/**
 * The benchmark's model of a Kinesis data stream: per-minute throttling, CloudWatch's one-minute
 * delay, UpdateShardCount's rules and timing, and the bill. Every provisioned policy runs against
 * the same `SimulatedStream`, which enforces Kinesis's rules for all of them alike.
 */
import type { MinuteMetrics } from '../lambda/autoscaler/policy';
import {
  MAX_CALLS_PER_24H,
  SHARD_BYTES_PER_MINUTE,
  SHARD_RECORDS_PER_MINUTE,
} from '../src/private/autoscaler-config';

/** Prices (us-east-1) the benchmark bills with. */
export const PRICES = {
  /** Provisioned: per shard-hour. */
  shardHourUsd: 0.015,
  /** Provisioned: per million PUT payload units. */
  putUnitsPerMillionUsd: 0.014,
  /** Provisioned: a PUT payload unit is 25 KB of a record, rounded up. */
  putUnitBytes: 25 * 1024,
  /** On-demand: per stream-hour. */
  onDemandStreamHourUsd: 0.04,
  /** On-demand: per GB (2^30 bytes) written. */
  onDemandPerGbUsd: 0.08,
  /** On-demand: each record is billed as a multiple of 1 KB. */
  onDemandRecordBytes: 1024,
};

export const DAY_MINUTES = 24 * 60;
/** Kinesis's shard bounds the simulator enforces. */
export const MIN_SHARDS = 1;
export const MAX_SHARDS = 10_000;
/** Minutes a stream stays UPDATING after UpdateShardCount, unless told otherwise. */
export const DEFAULT_UPDATING_MINUTES = 2;

/** The value of a command line's --updating-minutes: a non-negative integer. */
export function parseUpdatingMinutes(raw: string | undefined): number {
  const minutes = Number(raw);
  if (raw === undefined || !Number.isInteger(minutes) || minutes < 0) {
    throw new Error(`--updating-minutes must be a non-negative integer, got "${raw}"`);
  }
  return minutes;
}
/** Initial shard count of the adaptive policies: the first minutes' peak at this utilization. */
export const INITIAL_UTILIZATION = 0.7;
export const INITIAL_WINDOW_MINUTES = 30;
/** On-demand: capacity is the larger of 4 shards' worth and twice the peak of the last 30 days. */
export const ON_DEMAND_BASE_SHARDS = 4;
export const ON_DEMAND_WINDOW_MINUTES = 30 * DAY_MINUTES;

/** Per-minute demand: what producers send, before throttling. */
export interface Trace {
  readonly name: string;
  readonly bytes: readonly number[];
  readonly records: readonly number[];
}

/** The benchmark's numbers for one policy on one trace. */
export interface PolicyResult {
  /** Throttled records as a percentage of all records sent (0.05 means 0.05%). */
  readonly throttledPct: number;
  readonly shardHours: number;
  readonly costUsd: number;
  /** Accepted UpdateShardCount calls. */
  readonly scalingOps: number;
  /** The most accepted calls in any rolling 24 hours. */
  readonly maxOpsIn24h: number;
}

/** A policy's run: its numbers and what the chart draws. */
export interface SimRun {
  readonly result: PolicyResult;
  /** Shards (capacity) in each minute. */
  readonly capacity: number[];
  /** Minutes of accepted UpdateShardCount calls. */
  readonly calls: number[];
  /** Calls the simulator refused; they are not counted as ops. */
  readonly rejected: RejectedCall[];
  /** What CloudWatch recorded for each minute. */
  readonly observed: MinuteMetrics[];
}

export interface RejectedCall {
  readonly minute: number;
  readonly target: number;
  readonly reason: string;
}

/** `Math.ceil` that does not turn 3.0000000001 (float noise) into 4. */
export function ceilShards(value: number): number {
  return Math.ceil(value - 1e-9);
}

/** A minute's demand in shards' worth: the larger of bytes and records against one shard. */
export function demandInShards(bytes: number, records: number): number {
  return Math.max(bytes / SHARD_BYTES_PER_MINUTE, records / SHARD_RECORDS_PER_MINUTE);
}

/** The demand of every minute of a trace in shards' worth. */
export function traceDemand(trace: Trace): number[] {
  return trace.bytes.map((b, t) => demandInShards(b, trace.records[t]));
}

/** The utilization of a minute's successful writes on `shards` shards, over `minutes` minutes. */
export function utilization(m: MinuteMetrics, shards: number, minutes = 1): number {
  return Math.max(
    m.incomingBytes / (shards * SHARD_BYTES_PER_MINUTE * minutes),
    m.incomingRecords / (shards * SHARD_RECORDS_PER_MINUTE * minutes),
  );
}

export interface MinuteOutcome {
  /** Fraction of the minute's records (and bytes) throttled. */
  readonly fraction: number;
  readonly successBytes: number;
  readonly successRecords: number;
  readonly throttledRecords: number;
}

/**
 * One minute's writes against a capacity: whatever the capacity cannot take, in bytes or in
 * records, is throttled, records and bytes alike.
 */
export function throttle(bytes: number, records: number, capacityBytes: number, capacityRecords: number): MinuteOutcome {
  const overBytes = bytes > 0 ? 1 - capacityBytes / bytes : 0;
  const overRecords = records > 0 ? 1 - capacityRecords / records : 0;
  const fraction = Math.max(0, overBytes, overRecords);
  return {
    fraction,
    successBytes: bytes * (1 - fraction),
    successRecords: records * (1 - fraction),
    throttledRecords: records * fraction,
  };
}

/** `throttle` against `shards` provisioned shards. */
export function throttleOnShards(bytes: number, records: number, shards: number): MinuteOutcome {
  return throttle(bytes, records, shards * SHARD_BYTES_PER_MINUTE, shards * SHARD_RECORDS_PER_MINUTE);
}

/** Provisioned PUT payload units of a minute: each successful record in 25 KB units, rounded up. */
export function putPayloadUnits(successRecords: number, bytes: number, records: number): number {
  if (records <= 0 || successRecords <= 0) {
    return 0;
  }
  return successRecords * Math.max(1, Math.ceil(bytes / records / PRICES.putUnitBytes - 1e-9));
}

/** On-demand billed bytes of a minute: each successful record rounded up to 1 KB. */
export function onDemandBilledBytes(successRecords: number, bytes: number, records: number): number {
  if (records <= 0 || successRecords <= 0) {
    return 0;
  }
  const unit = PRICES.onDemandRecordBytes;
  return successRecords * Math.max(1, Math.ceil(bytes / records / unit - 1e-9)) * unit;
}

/** The most of the (sorted) minutes that fall within any `window` consecutive minutes. */
export function maxInWindow(minutes: readonly number[], window = DAY_MINUTES): number {
  let best = 0;
  let first = 0;
  for (let last = 0; last < minutes.length; last++) {
    while (minutes[last] - minutes[first] >= window) {
      first++;
    }
    best = Math.max(best, last - first + 1);
  }
  return best;
}

/**
 * The initial shard count of every adaptive provisioned policy, within [MIN_SHARDS, MAX_SHARDS]
 * (a trace beyond MAX_SHARDS' worth throttles what no stream here could take).
 */
export function initialShards(trace: Trace): number {
  const demand = traceDemand(trace).slice(0, INITIAL_WINDOW_MINUTES);
  const peak = demand.reduce((max, d) => Math.max(max, d), 0);
  return boundedShards(peak / INITIAL_UTILIZATION);
}

/** `shardsWorth` rounded up to whole shards, within [MIN_SHARDS, MAX_SHARDS]. */
function boundedShards(shardsWorth: number): number {
  return Math.min(MAX_SHARDS, Math.max(MIN_SHARDS, ceilShards(shardsWorth)));
}

export type StreamStatus = 'ACTIVE' | 'UPDATING';

export interface CallResult {
  readonly accepted: boolean;
  readonly reason: string;
}

export interface StreamOptions {
  readonly initialShards: number;
  readonly updatingMinutes?: number;
}

/**
 * A provisioned stream's shard count and UpdateShardCount, with Kinesis's rules:
 * no call while UPDATING; a target within [ceil(N/2), 2N] and [1, 10000], other than N;
 * at most 10 calls in any rolling 24 hours. A call made at the start of minute t leaves the
 * stream UPDATING, with its old capacity, until the start of minute t + updatingMinutes.
 */
export class SimulatedStream {
  public readonly rejected: RejectedCall[] = [];
  public readonly updatingMinutes: number;
  private shards: number;
  private minute = 0;
  private pending: { target: number; applyAt: number } | undefined;
  private appliedAt = 0;
  private readonly callMinutes: number[] = [];

  constructor(options: StreamOptions) {
    if (!Number.isInteger(options.initialShards) || options.initialShards < MIN_SHARDS || options.initialShards > MAX_SHARDS) {
      throw new Error(`initial shard count must be an integer in [${MIN_SHARDS}, ${MAX_SHARDS}], got ${options.initialShards}`);
    }
    this.shards = options.initialShards;
    this.updatingMinutes = options.updatingMinutes ?? DEFAULT_UPDATING_MINUTES;
    if (!Number.isInteger(this.updatingMinutes) || this.updatingMinutes < 0) {
      throw new Error(`updatingMinutes must be a non-negative integer, got ${this.updatingMinutes}`);
    }
  }

  /** The open shard count: the old count while UPDATING. */
  public get openShardCount(): number {
    return this.shards;
  }

  public get status(): StreamStatus {
    return this.pending ? 'UPDATING' : 'ACTIVE';
  }

  /** The shard count being moved to while UPDATING. */
  public get targetShardCount(): number | undefined {
    return this.pending?.target;
  }

  /** The minute from which the current capacity applies (0 for the initial one). */
  public get capacityAppliedAt(): number {
    return this.appliedAt;
  }

  /** Minutes of accepted calls, oldest first. */
  public get calls(): readonly number[] {
    return this.callMinutes;
  }

  public get currentMinute(): number {
    return this.minute;
  }

  /** Shards billed in the current minute: while UPDATING, the larger of the old and new count. */
  public get billedShards(): number {
    return this.pending ? Math.max(this.shards, this.pending.target) : this.shards;
  }

  /** Calls accepted in the rolling 24 hours up to and including the current minute. */
  public callsInLast24h(): number {
    return this.callMinutes.filter((c) => c > this.minute - DAY_MINUTES).length;
  }

  /** Moves to the start of minute `t`, finishing a reshard that completes by then. */
  public advanceTo(t: number): void {
    if (t < this.minute) {
      throw new Error(`time runs forward: ${t} < ${this.minute}`);
    }
    this.minute = t;
    if (this.pending && this.pending.applyAt <= t) {
      this.shards = this.pending.target;
      this.appliedAt = this.pending.applyAt;
      this.pending = undefined;
    }
  }

  /** UpdateShardCount(target) at the start of the current minute. */
  public updateShardCount(target: number): CallResult {
    const n = this.shards;
    const reject = (reason: string): CallResult => {
      this.rejected.push({ minute: this.minute, target, reason });
      return { accepted: false, reason };
    };
    if (this.pending) {
      return reject('stream is UPDATING');
    }
    if (!Number.isInteger(target)) {
      return reject(`target ${target} is not an integer`);
    }
    if (target < MIN_SHARDS || target > MAX_SHARDS) {
      return reject(`target ${target} outside [${MIN_SHARDS}, ${MAX_SHARDS}]`);
    }
    if (target === n) {
      return reject(`target ${target} is the current count`);
    }
    if (target > 2 * n || target < Math.ceil(n / 2)) {
      return reject(`target ${target} outside [${Math.ceil(n / 2)}, ${2 * n}] for ${n} shards`);
    }
    if (this.callsInLast24h() >= MAX_CALLS_PER_24H) {
      return reject(`${MAX_CALLS_PER_24H} calls in the last 24 h`);
    }
    this.callMinutes.push(this.minute);
    if (this.updatingMinutes === 0) {
      this.shards = target;
      this.appliedAt = this.minute;
    } else {
      this.pending = { target, applyAt: this.minute + this.updatingMinutes };
    }
    return { accepted: true, reason: `${n} -> ${target}` };
  }
}

/**
 * What a provisioned policy sees and can do at the start of a minute. `shards`, `status`,
 * `capacityAppliedAt` and `calls` are live: they reflect a call made earlier in the same minute.
 */
export interface DecisionContext {
  readonly minute: number;
  /** The open shard count (the old count while UPDATING). */
  readonly shards: number;
  readonly status: StreamStatus;
  /** The latest minute CloudWatch shows: `minute - 2`. Negative when none is visible yet. */
  readonly lastVisibleMinute: number;
  /** The minute from which the current shard count's capacity applies. */
  readonly capacityAppliedAt: number;
  /** Minutes of accepted UpdateShardCount calls, oldest first. */
  readonly calls: readonly number[];
  /** One visible minute's metrics; throws for a minute that is not visible yet. */
  metrics(minute: number): MinuteMetrics;
  /** The visible minutes in [from, to), clipped to what exists and is visible, oldest first. */
  visible(from: number, to: number): MinuteMetrics[];
  updateShardCount(target: number): CallResult;
}

/** A provisioned autoscaling policy; it holds its own state and is used for one run. */
export interface ProvisionedPolicy {
  /** Called at the start of every minute, before the minute's writes. */
  onMinute(ctx: DecisionContext): void;
}

export interface ProvisionedRunOptions {
  readonly initialShards: number;
  readonly updatingMinutes?: number;
}

/** Runs a provisioned policy (or none, for a fixed count) over a trace. */
export function simulateProvisioned(trace: Trace, policy: ProvisionedPolicy | undefined, options: ProvisionedRunOptions): SimRun {
  const stream = new SimulatedStream(options);
  const observed: MinuteMetrics[] = [];
  const capacity: number[] = [];
  let shardHours = 0;
  let putUnits = 0;
  let throttled = 0;
  let records = 0;

  for (let t = 0; t < trace.bytes.length; t++) {
    stream.advanceTo(t);
    if (policy) {
      policy.onMinute(contextAt(t, stream, observed));
    }
    const shards = stream.openShardCount;
    const b = trace.bytes[t];
    const r = trace.records[t];
    const out = throttleOnShards(b, r, shards);
    observed.push({ incomingBytes: out.successBytes, incomingRecords: out.successRecords, throttledRecords: out.throttledRecords });
    capacity.push(shards);
    shardHours += stream.billedShards / 60;
    putUnits += putPayloadUnits(out.successRecords, b, r);
    throttled += out.throttledRecords;
    records += r;
  }

  const calls = [...stream.calls];
  return {
    result: provisionedResult({ throttled, records, shardHours, putUnits, calls }),
    capacity,
    calls,
    rejected: stream.rejected,
    observed,
  };
}

function contextAt(t: number, stream: SimulatedStream, observed: MinuteMetrics[]): DecisionContext {
  const lastVisible = t - 2;
  // Live views of the stream: a second invocation in the same minute sees the first one's call.
  return {
    minute: t,
    get shards() {
      return stream.openShardCount;
    },
    get status() {
      return stream.status;
    },
    lastVisibleMinute: lastVisible,
    get capacityAppliedAt() {
      return stream.capacityAppliedAt;
    },
    get calls() {
      return [...stream.calls];
    },
    metrics: (m: number) => {
      if (!Number.isInteger(m) || m < 0 || m > lastVisible) {
        throw new RangeError(`minute ${m} is not visible at minute ${t} (latest visible: ${lastVisible})`);
      }
      return observed[m];
    },
    visible: (from: number, to: number) => observed.slice(Math.max(0, from), Math.max(0, Math.min(to, lastVisible + 1))),
    updateShardCount: (target: number) => stream.updateShardCount(target),
  };
}

/** The numbers of a provisioned run, from its totals. */
function provisionedResult(t: { throttled: number; records: number; shardHours: number; putUnits: number; calls: number[] }): PolicyResult {
  return {
    throttledPct: t.records > 0 ? (100 * t.throttled) / t.records : 0,
    shardHours: t.shardHours,
    costUsd: t.shardHours * PRICES.shardHourUsd + (t.putUnits / 1e6) * PRICES.putUnitsPerMillionUsd,
    scalingOps: t.calls.length,
    maxOpsIn24h: maxInWindow(t.calls),
  };
}

/**
 * The fewest shards that throttle nothing: each minute exactly its demand rounded up (at least 1),
 * with no API limits. Its ops are the changes from one minute to the next (informational).
 */
export function simulateLowerBound(trace: Trace): SimRun {
  const capacity = traceDemand(trace).map((d) => Math.max(MIN_SHARDS, ceilShards(d)));
  return fixedCapacityRun(trace, capacity);
}

/** A provisioned run over given per-minute shard counts, each change counted as an op. */
export function fixedCapacityRun(trace: Trace, capacity: number[]): SimRun {
  const observed: MinuteMetrics[] = [];
  const calls: number[] = [];
  let shardHours = 0;
  let putUnits = 0;
  let throttled = 0;
  let records = 0;
  for (let t = 0; t < trace.bytes.length; t++) {
    if (t > 0 && capacity[t] !== capacity[t - 1]) {
      calls.push(t);
    }
    const out = throttleOnShards(trace.bytes[t], trace.records[t], capacity[t]);
    observed.push({ incomingBytes: out.successBytes, incomingRecords: out.successRecords, throttledRecords: out.throttledRecords });
    shardHours += capacity[t] / 60;
    putUnits += putPayloadUnits(out.successRecords, trace.bytes[t], trace.records[t]);
    throttled += out.throttledRecords;
    records += trace.records[t];
  }
  return {
    result: provisionedResult({ throttled, records, shardHours, putUnits, calls }),
    capacity,
    calls,
    rejected: [],
    observed,
  };
}

/** The peak minute's demand, rounded up (at most MAX_SHARDS), all the time. */
export function simulateStaticPeak(trace: Trace): SimRun {
  const peak = traceDemand(trace).reduce((max, d) => Math.max(max, d), 0);
  return simulateProvisioned(trace, undefined, { initialShards: boundedShards(peak) });
}

/**
 * On-demand mode: each minute takes up to the larger of 4 shards' worth (4 MiB/s, 4,000 records/s)
 * and twice the peak minute (in shards' worth, of successful writes) of the previous 30 days, and
 * throttles beyond. Billed per stream-hour and per GB written, records rounded up to 1 KB.
 * `capacity` holds the capacity in shards' worth; shard-hours and ops are reported as 0.
 */
export function simulateOnDemand(trace: Trace): SimRun {
  const observed: MinuteMetrics[] = [];
  const capacity: number[] = [];
  // Monotonic deque of minutes whose successful demand may still be the window's peak.
  const deque: number[] = [];
  const served: number[] = [];
  let billedBytes = 0;
  let throttled = 0;
  let records = 0;
  for (let t = 0; t < trace.bytes.length; t++) {
    while (deque.length > 0 && deque[0] < t - ON_DEMAND_WINDOW_MINUTES) {
      deque.shift();
    }
    const previousPeak = deque.length > 0 ? served[deque[0]] : 0;
    const shards = Math.max(ON_DEMAND_BASE_SHARDS, 2 * previousPeak);
    const b = trace.bytes[t];
    const r = trace.records[t];
    const out = throttleOnShards(b, r, shards);
    observed.push({ incomingBytes: out.successBytes, incomingRecords: out.successRecords, throttledRecords: out.throttledRecords });
    capacity.push(shards);
    served.push(demandInShards(out.successBytes, out.successRecords));
    while (deque.length > 0 && served[deque[deque.length - 1]] <= served[t]) {
      deque.pop();
    }
    deque.push(t);
    billedBytes += onDemandBilledBytes(out.successRecords, b, r);
    throttled += out.throttledRecords;
    records += r;
  }
  const hours = trace.bytes.length / 60;
  return {
    result: {
      throttledPct: records > 0 ? (100 * throttled) / records : 0,
      shardHours: 0,
      costUsd: hours * PRICES.onDemandStreamHourUsd + (billedBytes / 2 ** 30) * PRICES.onDemandPerGbUsd,
      scalingOps: 0,
      maxOpsIn24h: 0,
    },
    capacity,
    calls: [],
    rejected: [],
    observed,
  };
}
