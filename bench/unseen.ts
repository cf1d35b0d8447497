/**
 * Traces the defaults were not tuned on: other sizes, shapes, burst patterns and timings than the
 * built-in ones. Runs every policy on each and prints, per trace, this library's throttled % and
 * shard-hours (as a share of static-peak) next to each anchor's throttled %.
 *
 *   npx ts-node --project bench/tsconfig.json bench/unseen.ts [--only NAME_PART] [--overrides JSON] [--days N] [--reseed K]
 *
 * --overrides takes settings for this library (as in bench/tune.ts), to compare a variant.
 * --days keeps only the first N days of each trace: how the policies do on a stream's first
 * days, before a week of history exists, and against a static-peak of those days only.
 * --reseed K (1 to MAX_RESEED) draws the same shapes with other noise and bursts: how much of a
 * trace's result is its draw.
 * The numbers are measured, never asserted.
 */
import { optimumShardHours } from './optimum';
import { ANCHOR_NAMES, AnchorName, anchorThrottledPct, runAll } from './policies';
import { Trace } from './sim';
import { fromShards, gaussian, levelsTrace, mulberry32, noise, rampTrace, sawtoothTrace } from './traces';

const HOUR = 60;
const DAY = 24 * HOUR;

/** Bytes decide, with 2 KB records. */
const TEXTURE = { recordBytes: 2048, dominant: 'bytes' } as const;

/** A diurnal trace's shape (see `diurnal`); bench/bursty.ts draws them at random. */
export interface DiurnalShape {
  readonly days: number;
  /** The top of the daily curve, in shards' worth, before bursts, noise and drift. */
  readonly peak: number;
  /** The bottom of the daily curve, as a share of `peak`. */
  readonly trough: number;
  readonly peakHour: number;
  /** Weekend traffic as a share of a weekday's. */
  readonly weekend: number;
  /** Day of the week of the first day (0 = Monday). */
  readonly firstDay: number;
  readonly noiseSd: number;
  /** Burst on the hour: extra share and minutes. */
  readonly hourBurst: number;
  readonly hourBurstMinutes: number;
  /** Burst every `smallEvery` minutes, for one minute. */
  readonly smallBurst: number;
  readonly smallEvery: number;
  /** Day-to-day drift of the level (relative standard deviation). */
  readonly dailyDrift: number;
}

/**
 * Two weeks (by default) of traffic that follows a cosine from `trough` to `peak` each day, lower
 * at weekends, with per-minute noise, bursts on the hour and every `smallEvery` minutes, and a
 * day-to-day drift. Defaults for what `shape` leaves out are those of the built-in diurnal trace's
 * kind.
 */
export function diurnal(name: string, seed: number, shape: Partial<DiurnalShape>): Trace {
  const s: DiurnalShape = {
    days: 14,
    peak: 40,
    trough: 0.17,
    peakHour: 16,
    weekend: 0.55,
    firstDay: 0,
    noiseSd: 0.07,
    hourBurst: 0.8,
    hourBurstMinutes: 2,
    smallBurst: 0.3,
    smallEvery: 15,
    dailyDrift: 0,
    ...shape,
  };
  const rand = mulberry32(seed);
  const levels = Array.from({ length: s.days }, () => noise(rand, s.dailyDrift));
  const shards: number[] = [];
  for (let t = 0; t < s.days * DAY; t++) {
    const day = Math.floor(t / DAY);
    const hour = (t % DAY) / HOUR;
    const daily = s.trough + (1 - s.trough) * (1 - Math.cos((2 * Math.PI * (hour - s.peakHour + 12)) / 24)) / 2;
    const weekly = (day + s.firstDay) % 7 >= 5 ? s.weekend : 1;
    const m = t % HOUR;
    let extra = 0;
    if (m < s.hourBurstMinutes) {
      extra = s.hourBurst * (0.75 + 0.5 * rand());
    } else if (s.smallEvery > 0 && m % s.smallEvery === 0) {
      extra = s.smallBurst * (0.75 + 0.5 * rand());
    }
    shards.push(s.peak * daily * weekly * levels[day] * noise(rand, s.noiseSd) * (1 + extra));
  }
  return fromShards(name, shards, TEXTURE.recordBytes, TEXTURE.dominant, rand);
}

/**
 * Office hours: weekdays from 8h to 18h, rising fast in the first hour (the square root of a
 * half sine) to `peak` shards' worth at 13h, with bursts on the hour; nothing at night, and a
 * tenth of it at weekends. A stream that drops to its minimum every night and must be back up
 * by the morning.
 */
function officeHours(name: string, seed: number, peak: number): Trace {
  const rand = mulberry32(seed);
  const shards: number[] = [];
  for (let t = 0; t < 14 * DAY; t++) {
    const hour = (t % DAY) / HOUR;
    const weekend = Math.floor(t / DAY) % 7 >= 5;
    const open = hour >= 8 && hour < 18 ? Math.sqrt(Math.sin((Math.PI * (hour - 8)) / 10)) : 0;
    const burst = t % HOUR < 2 ? 1 + 0.7 * (0.75 + 0.5 * rand()) : 1;
    shards.push(open > 0 ? peak * open * (weekend ? 0.1 : 1) * burst * noise(rand, 0.07) : 0);
  }
  return fromShards(name, shards, TEXTURE.recordBytes, TEXTURE.dominant, rand);
}

/**
 * Two peaks a day, at 9h and 19h (each a bell about two hours wide, to 44 shards' worth), over
 * 4 shards' worth between them, with bursts on the hour: more moves a day than 10 calls allow.
 */
function twoPeaks(name: string, seed: number): Trace {
  const rand = mulberry32(seed);
  const shards: number[] = [];
  for (let t = 0; t < 14 * DAY; t++) {
    const hour = (t % DAY) / HOUR;
    const bell = (centre: number) => Math.exp(-((hour - centre) ** 2) / 2);
    shards.push((4 + 40 * (bell(9) + bell(19))) * noise(rand, 0.07) * (t % HOUR < 2 ? 1.6 : 1));
  }
  return fromShards(name, shards, TEXTURE.recordBytes, TEXTURE.dominant, rand);
}

/**
 * A trace whose producers stop for 10 minutes every 6 hours 17 minutes and then catch up at
 * twice the rate for 10 minutes: an unforeseen step that history, on another clock, does not
 * show.
 */
function withOutages(name: string, trace: Trace): Trace {
  const factor = (t: number) => (t % 377 < 10 ? 0 : t % 377 < 20 ? 2 : 1);
  return { name, bytes: trace.bytes.map((b, t) => b * factor(t)), records: trace.records.map((r, t) => r * factor(t)) };
}

/** Six 1-hour jobs a day, every 4 hours from midnight, at 4 times a base of 6 shards' worth. */
function periodicJobs(name: string, seed: number): Trace {
  const rand = mulberry32(seed);
  const shards: number[] = [];
  for (let t = 0; t < 14 * DAY; t++) {
    shards.push(6 * noise(rand, 0.05) * ((t % DAY) % (4 * HOUR) < HOUR ? 4 : 1));
  }
  return fromShards(name, shards, TEXTURE.recordBytes, TEXTURE.dominant, rand);
}

function randomWalk(name: string, seed: number, days: number, start: number): Trace {
  const rand = mulberry32(seed);
  let level = start;
  const shards: number[] = [];
  for (let t = 0; t < days * DAY; t++) {
    level = Math.min(start * 8, Math.max(start / 8, level * Math.exp(0.004 * gaussian(rand))));
    shards.push(level * noise(rand, 0.06));
  }
  return fromShards(name, shards, TEXTURE.recordBytes, TEXTURE.dominant, rand);
}

/**
 * The unseen traces; `diurnal` marks those the 60%-of-static-peak target applies to. `reseed`
 * other than 0 draws the same shapes with other noise and bursts (every seed moved by
 * `reseed` × 1,000,003), to see how much a trace's numbers owe to its draw.
 */
export function unseenTraces(reseed = 0): { trace: Trace; diurnal: boolean }[] {
  const reseeded = (s: number) => s + reseed * 1_000_003;
  const d = (name: string, seed: number, shape: Partial<DiurnalShape>) => ({ trace: diurnal(name, seed, shape), diurnal: true });
  const o = (t: Trace) => ({ trace: t, diurnal: false });
  const steps = (name: string, seed: number, minutes: number, levels: [number, number][]) =>
    levelsTrace(name, seed, minutes, levels, { noiseSd: 0.05, ...TEXTURE });
  const ramp = (name: string, seed: number, base: number, factor: number, flat: number, rampMinutes: number, top: number) =>
    rampTrace(name, seed, base, factor, flat, rampMinutes, top, { noiseSd: 0.04, ...TEXTURE });
  const sawtooth = (name: string, seed: number, period: number, base: number, factor: number) =>
    sawtoothTrace(name, seed, DAY, period, base, factor, { noiseSd: 0.03, ...TEXTURE });
  return [
    d('diurnal-small-peak6', reseeded(91001), { peak: 6 }),
    d('diurnal-peak15', reseeded(91002), { peak: 15 }),
    d('diurnal-peak150', reseeded(91003), { peak: 150 }),
    d('diurnal-peak900', reseeded(91004), { peak: 900 }),
    d('diurnal-noon-sat-start', reseeded(91005), { peakHour: 12, firstDay: 5 }),
    d('diurnal-noisy-drift', reseeded(91006), { noiseSd: 0.15, dailyDrift: 0.1 }),
    d('diurnal-big-hourly-jobs', reseeded(91007), { hourBurst: 2, hourBurstMinutes: 1, smallBurst: 0 }),
    d('diurnal-5min-jobs', reseeded(91008), { hourBurst: 0.5, smallBurst: 0.4, smallEvery: 5 }),
    d('diurnal-deep-trough', reseeded(91009), { trough: 0.05, weekend: 0.3 }),
    d('diurnal-no-bursts', reseeded(91010), { hourBurst: 0, smallBurst: 0, noiseSd: 0.03 }),
    { trace: officeHours('office-hours-idle-nights', reseeded(91011), 30), diurnal: true },
    { trace: twoPeaks('diurnal-two-peaks', reseeded(91012)), diurnal: true },
    { trace: withOutages('diurnal-outages-catch-up', diurnal('diurnal-outages-catch-up', reseeded(91013), {})), diurnal: true },
    o(steps('step-x8-at-20h', reseeded(92001), 2 * DAY, [[0, 5], [20 * HOUR, 40]])),
    o(steps('step-x3-then-down', reseeded(92002), DAY, [[0, 12], [4 * HOUR, 36], [14 * HOUR, 12]])),
    o(steps('spike-x10-30min', reseeded(92003), DAY, [[0, 6], [12 * HOUR, 60], [12 * HOUR + 30, 6]])),
    o(steps('spike-x3-daily', reseeded(92004), 3 * DAY, [
      [0, 10], [9 * HOUR, 30], [10 * HOUR, 10], [DAY + 9 * HOUR, 30], [DAY + 10 * HOUR, 10], [2 * DAY + 9 * HOUR, 30], [2 * DAY + 10 * HOUR, 10],
    ])),
    o(ramp('ramp-1h-x5', reseeded(93001), 8, 5, 2 * HOUR, HOUR, 3 * HOUR)),
    o(ramp('ramp-12h-x20', reseeded(93002), 3, 20, 2 * HOUR, 12 * HOUR, 4 * HOUR)),
    o(ramp('ramp-down-6h', reseeded(93003), 60, 0.1, 2 * HOUR, 6 * HOUR, 4 * HOUR)),
    o(ramp('ramp-20m-x3', reseeded(93004), 10, 3, 2 * HOUR, 20, 2 * HOUR)),
    o(ramp('ramp-30m-x10', reseeded(93005), 4, 10, 2 * HOUR, 30, 3 * HOUR)),
    o(rampTrace('ramp-4h-x8-noisy', reseeded(93006), 8, 8, 2 * HOUR, 4 * HOUR, 2 * HOUR, { noiseSd: 0.12, ...TEXTURE })),
    o(sawtooth('sawtooth-1h', reseeded(94001), HOUR, 10, 4)),
    o(sawtooth('sawtooth-6h-x10', reseeded(94002), 6 * HOUR, 5, 10)),
    o(sawtooth('sawtooth-2h-x5', reseeded(94003), 2 * HOUR, 8, 5)),
    o(randomWalk('random-walk-3d', reseeded(95001), 3, 20)),
    o(periodicJobs('jobs-6-a-day-x4', reseeded(96001))),
  ];
}


/** One unseen trace's numbers. */
export interface UnseenRow {
  readonly trace: string;
  readonly diurnal: boolean;
  readonly throttledPct: number;
  /** This library's shard-hours as a percentage of static-peak's. */
  readonly sharePct: number;
  /** Lower-bound's shard-hours as a percentage of static-peak's. */
  readonly lowerBoundSharePct: number;
  /**
   * The perfect-foresight staircase (bench/optimum.ts: hourly blocks, at most 9 levels a day, at
   * 100% utilization) as a percentage of static-peak's shard-hours: what no policy that changes
   * the shard count at most 9 times a day, on the hour, can beat without throttling.
   */
  readonly optimumSharePct: number;
  readonly anchors: Record<AnchorName | 'on-demand', number>;
  /** The targets this trace misses. */
  readonly misses: string[];
}

/** The first `days` days of a trace (all of a shorter one). */
export function firstDays(trace: Trace, days: number): Trace {
  const minutes = days * DAY;
  return { name: trace.name, bytes: trace.bytes.slice(0, minutes), records: trace.records.slice(0, minutes) };
}

/**
 * Runs every policy on the unseen traces whose name contains `only` (all by default), cut to
 * their first `days` days if given, drawn with `reseed` (see `unseenTraces`).
 */
export function unseenRows(only?: string, overrides?: object, days?: number, reseed = 0): UnseenRow[] {
  const rows: UnseenRow[] = [];
  for (const { trace: full, diurnal: isDiurnal } of unseenTraces(reseed)) {
    if (only && !full.name.includes(only)) {
      continue;
    }
    const t = days === undefined ? full : firstDays(full, days);
    const runs = runAll(t, { thisLibraryOverrides: overrides });
    const mine = runs['this-library'].result;
    const staticPeak = runs['static-peak'].result.shardHours;
    const sharePct = (100 * mine.shardHours) / staticPeak;
    const anchors = { ...anchorThrottledPct(runs), 'on-demand': runs['on-demand'].result.throttledPct };
    const misses = [
      mine.throttledPct > 0.1 ? 'over 0.1%' : '',
      ANCHOR_NAMES.some((a) => anchors[a] <= mine.throttledPct) ? (mine.throttledPct > 0 ? 'not below every anchor' : 'ties an anchor at 0') : '',
      isDiurnal && sharePct > 60 ? 'over 60% of static-peak' : '',
    ].filter((f) => f);
    rows.push({
      trace: t.name,
      diurnal: isDiurnal,
      throttledPct: mine.throttledPct,
      sharePct,
      lowerBoundSharePct: (100 * runs['lower-bound'].result.shardHours) / staticPeak,
      optimumSharePct: (100 * optimumShardHours(t, 60, 9, 1)) / staticPeak,
      anchors,
      misses,
    });
  }
  return rows;
}

/** The value of --days: a whole number of days, 1 or more. */
export function parseDays(value: string | undefined): number {
  const days = Number(value);
  if (value === undefined || !/^[0-9]+$/.test(value) || days < 1) {
    throw new Error(`--days takes a whole number of days, 1 or more; got ${value ?? 'nothing'}`);
  }
  return days;
}

/**
 * The largest --reseed: every seed moved by it stays below 2^32, where the generator's seeds wrap
 * (2^32 would draw the committed traces again, and larger values merge seeds).
 */
export const MAX_RESEED = 4294;

/**
 * The value of a command line's `flag`: a whole number in decimal digits from `min` to `max`;
 * the message names what came.
 */
export function parseWhole(flag: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !/^[0-9]+$/.test(value) || n < min || n > max) {
    throw new Error(`${flag} takes a whole number from ${min} to ${max}; got ${value ?? 'nothing'}`);
  }
  return n;
}

/** The value of --reseed: a whole number from 0 (the traces as committed) to MAX_RESEED. */
export function parseReseed(value: string | undefined): number {
  return parseWhole('--reseed', value, 0, MAX_RESEED);
}

/** A percentage with 4 decimals; "<0.0001" for one above 0 that would print as 0. */
function pct(value: number): string {
  return value > 0 && value < 0.00005 ? '<0.0001' : value.toFixed(4);
}

function main(argv: string[]): void {
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const overrides = argv.includes('--overrides') ? JSON.parse(argv[argv.indexOf('--overrides') + 1]) : undefined;
  const days = argv.includes('--days') ? parseDays(argv[argv.indexOf('--days') + 1]) : undefined;
  const reseed = argv.includes('--reseed') ? parseReseed(argv[argv.indexOf('--reseed') + 1]) : 0;
  console.log('| trace | this-library throttled % | shard-hours, % of static-peak | lower-bound, % of static-peak | perfect-foresight staircase, % of static-peak | aws-samples | substation | scaling-utils | on-demand | targets missed |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of unseenRows(only, overrides, days, reseed)) {
    console.log(`| ${r.trace} | ${pct(r.throttledPct)} | ${r.sharePct.toFixed(1)}${r.diurnal ? '' : ' (no target)'} | ${r.lowerBoundSharePct.toFixed(1)} | ${r.optimumSharePct.toFixed(1)} | `
      + [...ANCHOR_NAMES, 'on-demand' as const].map((a) => pct(r.anchors[a])).join(' | ')
      + ` | ${r.misses.join(', ') || '-'} |`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2));
}
