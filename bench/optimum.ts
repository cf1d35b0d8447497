/**
 * How few shard-hours any policy could use on a trace with perfect foresight: for each calendar
 * day, the cheapest staircase of at most `levels` shard counts, changed only at block boundaries,
 * that covers the peak minute of every block at `utilization`. It ignores the UPDATING delay and
 * the [ceil(N/2), 2N] rule, so it is a bound, not a policy.
 *
 *   npx ts-node --project bench/tsconfig.json bench/optimum.ts [--trace FILE] [--block MIN] [--levels K] [--utilization U]
 *
 * Without --trace it reads the built-in diurnal-2w trace. The numbers are measured, never asserted.
 */
import * as fs from 'fs';
import { simulateStaticPeak, Trace, traceDemand } from './sim';
import { diurnal2w, parseTraceCsv } from './traces';

/** The least shard-hours of a day's staircase over `peaks` (one per block) with at most `levels` levels. */
export function cheapestStaircase(peaks: number[], blockMinutes: number, levels: number): number {
  const n = peaks.length;
  // best[k][j]: least shard-blocks covering blocks [0, j) with k levels.
  let best = new Array<number>(n + 1).fill(Number.POSITIVE_INFINITY);
  best[0] = 0;
  let answer = Number.POSITIVE_INFINITY;
  for (let k = 1; k <= levels; k++) {
    const next = new Array<number>(n + 1).fill(Number.POSITIVE_INFINITY);
    for (let i = 0; i < n; i++) {
      if (best[i] === Number.POSITIVE_INFINITY) {
        continue;
      }
      let top = 0;
      for (let j = i + 1; j <= n; j++) {
        top = Math.max(top, peaks[j - 1]);
        next[j] = Math.min(next[j], best[i] + top * (j - i));
      }
    }
    best = next;
    answer = Math.min(answer, best[n]);
  }
  return (answer * blockMinutes) / 60;
}

/** Shard-hours of the per-day optimum over a whole trace. */
export function optimumShardHours(trace: Trace, blockMinutes: number, levels: number, utilization: number): number {
  const demand = traceDemand(trace);
  const day = 24 * 60;
  let total = 0;
  for (let start = 0; start < demand.length; start += day) {
    const minutes = demand.slice(start, start + day);
    const peaks: number[] = [];
    for (let b = 0; b < minutes.length; b += blockMinutes) {
      peaks.push(Math.max(1, Math.ceil(Math.max(...minutes.slice(b, b + blockMinutes)) / utilization - 1e-9)));
    }
    total += cheapestStaircase(peaks, blockMinutes, levels);
  }
  return total;
}

function main(argv: string[]): void {
  const arg = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
  const file = argv.includes('--trace') ? argv[argv.indexOf('--trace') + 1] : undefined;
  const trace = file ? parseTraceCsv(fs.readFileSync(file, 'utf8'), file) : diurnal2w();
  const block = arg('--block', 60);
  const levels = arg('--levels', 9);
  const utilization = arg('--utilization', 1);
  const hours = optimumShardHours(trace, block, levels, utilization);
  const peak = simulateStaticPeak(trace).result.shardHours;
  console.log(`${trace.name}: ${block}-minute blocks, at most ${levels} levels a day, utilization ${utilization}: `
    + `${hours.toFixed(1)} shard-hours, ${((100 * hours) / peak).toFixed(1)}% of static-peak (${peak.toFixed(1)})`);
}

if (require.main === module) {
  main(process.argv.slice(2));
}
