/**
 * The benchmark's demand traces: generated from a seeded PRNG so every run gives the same numbers,
 * and read from / written to CSV (`minute,incoming_bytes,incoming_records`).
 */
import { Trace } from './sim';
import { SHARD_BYTES_PER_MINUTE, SHARD_RECORDS_PER_MINUTE } from '../src/private/autoscaler-config';

export const CSV_HEADER = 'minute,incoming_bytes,incoming_records';

/* eslint-disable no-bitwise */
/** mulberry32: a small, fast, seeded PRNG returning numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

/** A standard normal sample (Box-Muller) from a uniform PRNG. */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Multiplicative noise around 1 with the given relative standard deviation, never below 0.5. */
export function noise(rand: () => number, sd: number): number {
  return Math.max(0.5, 1 + sd * gaussian(rand));
}

export type Dominant = 'bytes' | 'records';

/**
 * Builds a trace from per-minute demand in shards' worth of the dominant dimension and an average
 * record size (with a little per-minute jitter).
 */
export function fromShards(name: string, shards: number[], recordBytes: number, dominant: Dominant, rand: () => number): Trace {
  const bytes: number[] = [];
  const records: number[] = [];
  for (const s of shards) {
    const size = recordBytes * noise(rand, 0.03);
    if (dominant === 'bytes') {
      const b = Math.round(s * SHARD_BYTES_PER_MINUTE);
      bytes.push(b);
      records.push(b > 0 ? Math.max(1, Math.round(b / size)) : 0);
    } else {
      const r = Math.round(s * SHARD_RECORDS_PER_MINUTE);
      records.push(r);
      bytes.push(Math.round(r * size));
    }
  }
  return { name, bytes, records };
}

const HOUR = 60;
const DAY = 24 * HOUR;

/** How a generated trace's minutes look around their level: noise, record size, the limit that decides. */
export interface Texture {
  /** Relative standard deviation of the per-minute noise. */
  readonly noiseSd: number;
  readonly recordBytes: number;
  readonly dominant: Dominant;
}

/**
 * Piecewise-constant demand with noise: `levels` lists [first minute, shards' worth], in order;
 * each level holds until the next one starts.
 */
export function levelsTrace(name: string, seed: number, minutes: number, levels: [number, number][], texture: Texture): Trace {
  const rand = mulberry32(seed);
  const shards = Array.from({ length: minutes }, (_, t) => {
    let level = levels[0][1];
    for (const [from, value] of levels) {
      if (t >= from) {
        level = value;
      }
    }
    return level * noise(rand, texture.noiseSd);
  });
  return fromShards(name, shards, texture.recordBytes, texture.dominant, rand);
}

/** `flat` minutes at `base` shards' worth, a linear ramp to `factor` times it, `top` minutes there. */
export function rampTrace(
  name: string, seed: number, base: number, factor: number, flat: number, rampMinutes: number, top: number, texture: Texture,
): Trace {
  const rand = mulberry32(seed);
  const shards = Array.from({ length: flat + rampMinutes + top }, (_, t) => {
    const level = 1 + ((factor - 1) * Math.min(rampMinutes, Math.max(0, t - flat))) / rampMinutes;
    return base * level * noise(rand, texture.noiseSd);
  });
  return fromShards(name, shards, texture.recordBytes, texture.dominant, rand);
}

/** `minutes` of linear climbs from `base` to `factor` times it, each `period` long, each followed by an instant drop. */
export function sawtoothTrace(name: string, seed: number, minutes: number, period: number, base: number, factor: number, texture: Texture): Trace {
  const rand = mulberry32(seed);
  const shards = Array.from({ length: minutes }, (_, t) => base * (1 + ((factor - 1) * (t % period)) / (period - 1)) * noise(rand, texture.noiseSd));
  return fromShards(name, shards, texture.recordBytes, texture.dominant, rand);
}

/** 6 h at 6 shards' worth, then a step to 8x (48) for 18 h. 1.5 KB records. */
export function stepUpX8(seed = 8001): Trace {
  return levelsTrace('step-up-x8', seed, DAY, [[0, 6], [6 * HOUR, 48]], { noiseSd: 0.05, recordBytes: 1536, dominant: 'bytes' });
}

/** 24 h at 6 shards' worth with mild noise, one 10-minute spike of 10x at noon. 1.5 KB records. */
export function spikeX10(seed = 1002): Trace {
  const spikeStart = 12 * HOUR;
  return levelsTrace('spike-x10', seed, DAY, [[0, 6], [spikeStart, 60], [spikeStart + 10, 6]], { noiseSd: 0.05, recordBytes: 1536, dominant: 'bytes' });
}

/** 2 h flat at 6 shards' worth, a 6-hour linear ramp to 10x (60), then 4 h flat at the top. 1 KB records. */
export function ramp6h(seed = 6003): Trace {
  return rampTrace('ramp-6h', seed, 6, 10, 2 * HOUR, 6 * HOUR, 4 * HOUR, { noiseSd: 0.03, recordBytes: 1024, dominant: 'bytes' });
}

/**
 * Two weeks, starting on a Monday at 00:00: a daily cycle from ~17% of the peak at 04:00 to the
 * peak (40 shards' worth) at 16:00, weekends at 55%, 7% multiplicative noise, and scheduled-job
 * bursts: +60-100% for 1-2 minutes at the top of every hour, +25-40% for 1 minute at :15, :30, :45.
 * 2 KB records.
 */
export function diurnal2w(seed = 14004): Trace {
  const rand = mulberry32(seed);
  const peak = 40;
  const trough = 0.17;
  const minutes = 14 * DAY;
  const shards: number[] = [];
  let burstLeft = 0;
  let burst = 0;
  for (let t = 0; t < minutes; t++) {
    const day = Math.floor(t / DAY);
    const hour = (t % DAY) / HOUR;
    const daily = trough + (1 - trough) * (1 - Math.cos((2 * Math.PI * (hour - 4)) / 24)) / 2;
    const weekly = day % 7 >= 5 ? 0.55 : 1;
    const minuteOfHour = t % HOUR;
    if (minuteOfHour === 0) {
      burst = 0.6 + 0.4 * rand();
      burstLeft = rand() < 0.5 ? 1 : 2;
    }
    let extra = 0;
    if (burstLeft > 0) {
      extra = burst;
      burstLeft--;
    } else if (minuteOfHour === 15 || minuteOfHour === 30 || minuteOfHour === 45) {
      extra = 0.25 + 0.15 * rand();
    }
    shards.push(peak * daily * weekly * noise(rand, 0.07) * (1 + extra));
  }
  return fromShards('diurnal-2w', shards, 2048, 'bytes', rand);
}

/**
 * 24 h of 3-hour linear climbs from 1x to 6x (10 to 60 shards' worth of records), each followed
 * by an instant drop. 0.3 KB records, so the records limit decides.
 */
export function sawtooth(seed = 3005): Trace {
  return sawtoothTrace('sawtooth', seed, DAY, 3 * HOUR, 10, 6, { noiseSd: 0.03, recordBytes: 300, dominant: 'records' });
}

export const TRACE_NAMES = ['step-up-x8', 'spike-x10', 'ramp-6h', 'diurnal-2w', 'sawtooth'] as const;

/**
 * The built-in traces, in `TRACE_NAMES` order. A `seedOffset` other than 0 draws the same shapes
 * with other noise, bursts and records sizes: traces the defaults were not chosen on.
 */
export function generateTraces(seedOffset = 0): Trace[] {
  return [
    stepUpX8(8001 + seedOffset),
    spikeX10(1002 + seedOffset),
    ramp6h(6003 + seedOffset),
    diurnal2w(14004 + seedOffset),
    sawtooth(3005 + seedOffset),
  ];
}

/** A trace as CSV: a header line, then one line per minute. */
export function traceToCsv(trace: Trace): string {
  const lines = [CSV_HEADER];
  for (let t = 0; t < trace.bytes.length; t++) {
    lines.push(`${t},${trace.bytes[t]},${trace.records[t]}`);
  }
  return lines.join('\n') + '\n';
}

/** The longest trace `parseTraceCsv` reads: 366 days. */
export const MAX_TRACE_MINUTES = 366 * 24 * 60;

/** A CSV cell without surrounding whitespace and double quotes. */
function cell(raw: string): string {
  const trimmed = raw.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).trim() : trimmed;
}

/**
 * Parses a trace CSV. The header names `minute`, `incoming_bytes` and `incoming_records`, in any
 * order (other columns are ignored); values must be non-negative numbers. Minutes are integers,
 * in any order, each at most once, renumbered from the first. A minute missing between the first
 * and the last is a minute with no writes, as in CloudWatch, which has no datapoint for a minute
 * without data. Three or more minutes that all step by the same K > 1 are rejected: the trace is not per-minute.
 */
export function parseTraceCsv(text: string, name: string): Trace {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) {
    throw new Error(`${name}: empty trace`);
  }
  const header = lines[0].split(',').map((h) => cell(h).toLowerCase());
  const columns = CSV_HEADER.split(',').map((h) => header.indexOf(h));
  if (columns.some((c) => c < 0) || new Set(header).size !== header.length) {
    throw new Error(`${name}: header must name each of ${CSV_HEADER} once, got "${lines[0]}"`);
  }
  const rows = new Map<number, { bytes: number; records: number }>();
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',').map(cell);
    if (cells.length !== header.length) {
      throw new Error(`${name}: line ${i + 1}: expected ${header.length} columns, got ${cells.length}`);
    }
    const [minuteRaw, bytesRaw, recordsRaw] = columns.map((c) => cells[c]);
    const minute = Number(minuteRaw);
    if (!Number.isInteger(minute) || minuteRaw === '') {
      throw new Error(`${name}: line ${i + 1}: minute "${minuteRaw}" is not an integer`);
    }
    if (rows.has(minute)) {
      throw new Error(`${name}: line ${i + 1}: minute ${minute} appears twice`);
    }
    const values = [['incoming_bytes', bytesRaw], ['incoming_records', recordsRaw]].map(([label, raw]) => {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0 || raw === '') {
        throw new Error(`${name}: line ${i + 1}: ${label} "${raw}" is not a non-negative number`);
      }
      return value;
    });
    rows.set(minute, { bytes: values[0], records: values[1] });
  }
  if (rows.size === 0) {
    throw new Error(`${name}: no minutes`);
  }
  const minutes = [...rows.keys()].sort((a, b) => a - b);
  const steps = new Set(minutes.slice(1).map((m, i) => m - minutes[i]));
  if (minutes.length >= 3 && steps.size === 1 && !steps.has(1)) {
    throw new Error(`${name}: every minute is ${[...steps][0]} after the one before: the minute column must count minutes`);
  }
  const first = minutes[0];
  const span = minutes[minutes.length - 1] - first + 1;
  if (span > MAX_TRACE_MINUTES) {
    throw new Error(`${name}: minutes ${first} to ${first + span - 1} span more than a year (${MAX_TRACE_MINUTES} minutes)`);
  }
  const bytes = new Array<number>(span).fill(0);
  const records = new Array<number>(span).fill(0);
  for (const [minute, row] of rows) {
    bytes[minute - first] = row.bytes;
    records[minute - first] = row.records;
  }
  return { name, bytes, records };
}
