/**
 * Diurnal traffic as bursty as the issue says real traffic is: random draws of the unseen set's
 * diurnal shape (bench/unseen.ts), 10 to 400 shards' worth at the peak, troughs of 10% to 40%,
 * bursts on the hour averaging +50% to +300% for 1 to 5 minutes and on the quarter hour
 * averaging up to half that for a minute (each burst minute is 0.75 to 1.25 times its draw's
 * average), with other peak hours, weekends, noise (3% to 12% a minute) and drift. Runs every
 * policy on each draw and prints this library's throttled % and shard-hours (as a share of
 * static-peak) next to the perfect-foresight bound at 95% utilization (bench/optimum.ts) and each
 * public autoscaler's throttled %; then a summary over all draws, and one over those where every
 * public autoscaler throttles 1% or more, unless that is none or all of them.
 *
 *   npx ts-node --project bench/tsconfig.json bench/bursty.ts [--count N] [--seed S]
 *
 * The numbers are measured, never asserted.
 */
import { optimumShardHours } from './optimum';
import { ANCHOR_NAMES, AnchorName, anchorThrottledPct, runAll } from './policies';
import { Trace } from './sim';
import { mulberry32 } from './traces';
import { diurnal, DiurnalShape, parseWhole } from './unseen';

/** One draw's shape, as `diurnal` takes it. */
export type BurstyShape = Omit<DiurnalShape, 'days'>;

/** A random shape within the ranges the file's header gives; `rand` is the generator to draw from. */
export function drawShape(rand: () => number): BurstyShape {
  const between = (low: number, high: number) => low + (high - low) * rand();
  const hourBurst = between(0.5, 3);
  return {
    peak: Math.round(10 * 40 ** rand()),
    trough: between(0.1, 0.4),
    peakHour: Math.floor(between(10, 19)),
    weekend: between(0.4, 0.8),
    firstDay: Math.floor(between(0, 7)),
    noiseSd: between(0.03, 0.12),
    hourBurst,
    hourBurstMinutes: Math.floor(between(1, 6)),
    smallBurst: between(0, hourBurst / 2),
    smallEvery: 15,
    dailyDrift: between(0, 0.1),
  };
}

/** `count` two-week traces, named bursty-1 to bursty-N, drawn from `seed`; the same on every run. */
export function burstyTraces(count: number, seed = 1): { trace: Trace; shape: BurstyShape }[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => {
    const shape = drawShape(rand);
    const traceSeed = Math.floor(rand() * 2 ** 31);
    return { trace: diurnal(`bursty-${i + 1}`, traceSeed, { ...shape, days: 14 }), shape };
  });
}

/** One draw's numbers. */
export interface BurstyRow {
  readonly trace: string;
  readonly shape: BurstyShape;
  readonly throttledPct: number;
  /** This library's shard-hours as a percentage of static-peak's. */
  readonly sharePct: number;
  /** The perfect-foresight staircase at 95% utilization (bench/optimum.ts) as a percentage of static-peak's. */
  readonly boundSharePct: number;
  readonly anchors: Record<AnchorName, number>;
}

export function burstyRows(count: number, seed = 1): BurstyRow[] {
  return burstyTraces(count, seed).map(({ trace, shape }) => {
    const runs = runAll(trace);
    const staticPeak = runs['static-peak'].result.shardHours;
    const mine = runs['this-library'].result;
    return {
      trace: trace.name,
      shape,
      throttledPct: mine.throttledPct,
      sharePct: (100 * mine.shardHours) / staticPeak,
      boundSharePct: (100 * optimumShardHours(trace, 60, 9, 0.95)) / staticPeak,
      anchors: anchorThrottledPct(runs),
    };
  });
}

/** What `burstyRows` says over all draws. */
export interface BurstySummary {
  readonly draws: number;
  /** This library's throttled %: least and most, and how many draws are over 0.1%. */
  readonly throttled: { readonly min: number; readonly max: number; readonly over: number };
  /** Draws where a public autoscaler throttles as few records as this library, or fewer. */
  readonly notBelowEveryAnchor: string[];
  /** The public autoscalers' throttled %, least and most over all draws and all three. */
  readonly anchors: { readonly min: number; readonly max: number };
  /** This library's shard-hours, % of static-peak: least and most, and how many draws are over 60%. */
  readonly share: { readonly min: number; readonly max: number; readonly over: number };
  /** Points this library's share lands above the bound at 95%: least and most. */
  readonly aboveBound: { readonly min: number; readonly max: number };
  /** The lowest bound among the draws over 60%, and the highest among the others (undefined for none). */
  readonly lowestBoundOver60?: number;
  readonly highestBoundAtMost60?: number;
  /**
   * The same, over the draws where every public autoscaler throttles at least 1%; undefined when
   * no draw or every draw is one.
   */
  readonly heavy?: BurstySummary;
}

export function burstySummary(rows: BurstyRow[]): BurstySummary {
  const range = (values: number[]) => ({ min: Math.min(...values), max: Math.max(...values) });
  const over60 = rows.filter((r) => r.sharePct > 60);
  const atMost60 = rows.filter((r) => r.sharePct <= 60);
  const heavy = rows.filter((r) => ANCHOR_NAMES.every((a) => r.anchors[a] >= 1));
  return {
    draws: rows.length,
    throttled: { ...range(rows.map((r) => r.throttledPct)), over: rows.filter((r) => r.throttledPct > 0.1).length },
    notBelowEveryAnchor: rows.filter((r) => ANCHOR_NAMES.some((a) => r.anchors[a] <= r.throttledPct)).map((r) => r.trace),
    anchors: range(rows.flatMap((r) => ANCHOR_NAMES.map((a) => r.anchors[a]))),
    share: { ...range(rows.map((r) => r.sharePct)), over: over60.length },
    aboveBound: range(rows.map((r) => r.sharePct - r.boundSharePct)),
    lowestBoundOver60: over60.length ? Math.min(...over60.map((r) => r.boundSharePct)) : undefined,
    highestBoundAtMost60: atMost60.length ? Math.max(...atMost60.map((r) => r.boundSharePct)) : undefined,
    heavy: heavy.length && heavy.length < rows.length ? burstySummary(heavy) : undefined,
  };
}

/** The largest --seed: the generator's seeds wrap at 2^32. */
export const MAX_SEED = 2 ** 32 - 1;

/**
 * The command line: `--count N` (1 to 1000, 30 by default) and `--seed S` (0 to MAX_SEED, 1 by
 * default), each at most once; anything else is refused, so that a mistyped flag does not run the
 * defaults unnoticed.
 */
export function parseArgs(argv: string[]): { count: number; seed: number } {
  const bounds: Record<string, [number, number]> = { '--count': [1, 1000], '--seed': [0, MAX_SEED] };
  const values: Record<string, number> = { '--count': 30, '--seed': 1 };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    if (!(flag in bounds)) {
      throw new Error(`bench/bursty.ts takes --count N and --seed S; got ${flag}`);
    }
    if (seen.has(flag)) {
      throw new Error(`${flag} is given twice`);
    }
    seen.add(flag);
    values[flag] = parseWhole(flag, argv[i + 1], ...bounds[flag]);
  }
  return { count: values['--count'], seed: values['--seed'] };
}

function main(argv: string[]): void {
  const { count, seed } = parseArgs(argv);
  const rows = burstyRows(count, seed);
  console.log('| trace | peak | trough | hour burst | minutes | quarter burst | noise | this-library throttled % | shard-hours, % of static-peak | bound at 95%, % of static-peak | aws-samples | substation | scaling-utils |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const s = r.shape;
    console.log(`| ${r.trace} | ${s.peak} | ${s.trough.toFixed(2)} | +${Math.round(100 * s.hourBurst)}% | ${s.hourBurstMinutes} | +${Math.round(100 * s.smallBurst)}% | ${s.noiseSd.toFixed(2)} | `
      + `${r.throttledPct.toFixed(4)} | ${r.sharePct.toFixed(1)} | ${r.boundSharePct.toFixed(1)} | ${ANCHOR_NAMES.map((a) => r.anchors[a].toFixed(4)).join(' | ')} |`);
  }
  const all = burstySummary(rows);
  console.log();
  printSummary(all, `${all.draws} draws`);
  if (all.heavy) {
    printSummary(all.heavy, `The ${all.heavy.draws} draws where every public autoscaler throttles 1% or more`);
  }
}

function printSummary(s: BurstySummary, what: string): void {
  const bound = (value: number | undefined) => (value === undefined ? 'none' : `${value.toFixed(1)}%`);
  console.log(`${what}: the public autoscalers throttle ${s.anchors.min.toFixed(4)}% to ${s.anchors.max.toFixed(4)}%.`);
  console.log(`this-library throttles ${s.throttled.min.toFixed(4)}% to ${s.throttled.max.toFixed(4)}%, over 0.1% on ${s.throttled.over}; `
    + `not below every public autoscaler on ${s.notBelowEveryAnchor.length}${s.notBelowEveryAnchor.length ? ` (${s.notBelowEveryAnchor.join(', ')})` : ''}.`);
  console.log(`Its shard-hours are ${s.share.min.toFixed(1)}% to ${s.share.max.toFixed(1)}% of static-peak, over 60% on ${s.share.over}; `
    + `${s.aboveBound.min.toFixed(1)} to ${s.aboveBound.max.toFixed(1)} points above the bound at 95%. `
    + `Lowest bound among those over 60%: ${bound(s.lowestBoundOver60)}; highest among the others: ${bound(s.highestBoundAtMost60)}.`);
}

if (require.main === module) {
  main(process.argv.slice(2));
}
