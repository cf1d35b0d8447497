/**
 * The shard autoscaler benchmark.
 *
 *   npx ts-node --project bench/tsconfig.json bench/autoscaler.ts [--updating-minutes N] [--out DIR] [--json]
 *     generates the built-in traces, runs every policy on each and writes DIR (default
 *     bench/results): <trace>.csv, <trace>.svg and README.md; prints the tables.
 *   npx ts-node --project bench/tsconfig.json bench/autoscaler.ts --trace FILE [--json]
 *     runs every policy on a CSV trace (minute,incoming_bytes,incoming_records) and prints a
 *     table, or with --json one JSON object keyed by policy.
 *
 * See bench/sim.ts for the model. The numbers are measured, never asserted.
 */
import * as fs from 'fs';
import * as path from 'path';
import { renderChart } from './chart';
import { POLICY_NAMES, PolicyName, resultsOf, runAll } from './policies';
import {
  DEFAULT_UPDATING_MINUTES,
  INITIAL_UTILIZATION,
  INITIAL_WINDOW_MINUTES,
  initialShards,
  PolicyResult,
  PRICES,
  SimRun,
  Trace,
  traceDemand,
} from './sim';
import { generateTraces, parseTraceCsv, traceToCsv } from './traces';
import { DEFAULT_SCALING } from '../src/private/autoscaler-config';

export interface CliOptions {
  readonly trace?: string;
  readonly json: boolean;
  readonly updatingMinutes: number;
  readonly out: string;
}

const USAGE = 'usage: autoscaler.ts [--trace FILE] [--json] [--updating-minutes N] [--out DIR]';

export function parseArgs(argv: string[]): CliOptions {
  let trace: string | undefined;
  let json = false;
  let updatingMinutes = DEFAULT_UPDATING_MINUTES;
  let out = path.join(__dirname, 'results');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) {
        throw new Error(`${arg} needs a value\n${USAGE}`);
      }
      return v;
    };
    switch (arg) {
      case '--trace':
        trace = value();
        break;
      case '--json':
        json = true;
        break;
      case '--updating-minutes': {
        const raw = value();
        updatingMinutes = Number(raw);
        if (!Number.isInteger(updatingMinutes) || updatingMinutes < 0) {
          throw new Error(`--updating-minutes must be a non-negative integer, got "${raw}"`);
        }
        break;
      }
      case '--out':
        out = value();
        break;
      default:
        throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    }
  }
  return { trace, json, updatingMinutes, out };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The JSON output: one object keyed by policy, each with the five numbers. */
export function toJson(results: Record<PolicyName, PolicyResult>): Record<PolicyName, PolicyResult> {
  const out = {} as Record<PolicyName, PolicyResult>;
  for (const name of POLICY_NAMES) {
    const r = results[name];
    out[name] = {
      throttledPct: round(r.throttledPct, 4),
      shardHours: round(r.shardHours, 2),
      costUsd: round(r.costUsd, 4),
      scalingOps: r.scalingOps,
      maxOpsIn24h: r.maxOpsIn24h,
    };
  }
  return out;
}

/** One trace's results as a markdown table. */
export function markdownTable(results: Record<PolicyName, PolicyResult>): string {
  const lines = [
    '| policy | throttled % | shard-hours | cost USD | scaling ops | max ops in 24h |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const name of POLICY_NAMES) {
    const r = results[name];
    lines.push(`| ${name} | ${r.throttledPct.toFixed(4)} | ${r.shardHours.toFixed(1)} | ${r.costUsd.toFixed(2)} | ${r.scalingOps} | ${r.maxOpsIn24h} |`);
  }
  return lines.join('\n');
}

function describeTrace(trace: Trace): string {
  const demand = traceDemand(trace);
  const peak = Math.max(...demand);
  const mean = demand.reduce((s, d) => s + d, 0) / demand.length;
  const bytes = trace.bytes.reduce((s, b) => s + b, 0);
  const records = trace.records.reduce((s, r) => s + r, 0);
  const hours = trace.bytes.length / 60;
  return `${trace.bytes.length} minutes (${round(hours, 1)} h); demand peak ${peak.toFixed(1)}, mean ${mean.toFixed(1)} shards' worth; `
    + `average record ${(bytes / Math.max(1, records)).toFixed(0)} bytes; initial shards ${initialShards(trace)}`;
}

const CHART_SERIES: { name: PolicyName; color: string; dash?: string; width?: number }[] = [
  { name: 'this-library', color: '#d62728', width: 2 },
  { name: 'aws-samples', color: '#1f77b4' },
  { name: 'substation', color: '#2ca02c' },
  { name: 'scaling-utils', color: '#9467bd' },
  { name: 'static-peak', color: '#555555', dash: '6 4' },
];

export function chartFor(trace: Trace, runs: Record<PolicyName, SimRun>): string {
  return renderChart({
    title: `${trace.name}: demand vs. provisioned shards`,
    demand: traceDemand(trace),
    series: CHART_SERIES.map((s) => ({ ...s, values: runs[s.name].capacity })),
  });
}

function readmeFor(sections: { trace: Trace; table: string }[], options: CliOptions): string {
  const out = [
    '# Shard autoscaler benchmark',
    '',
    'Generated by `npx ts-node --project bench/tsconfig.json bench/autoscaler.ts`'
      + (options.updatingMinutes !== DEFAULT_UPDATING_MINUTES ? ` --updating-minutes ${options.updatingMinutes}` : '')
      + '. Do not edit by hand.',
    '',
    'Each trace is per-minute demand (what producers send). Every policy sees only CloudWatch\'s',
    'per-minute metrics of successful writes, one minute late (a decision at the start of minute t',
    'sees minutes up to t-2), and every UpdateShardCount call goes through the same simulated',
    `stream: no call while UPDATING (${options.updatingMinutes} min, the new capacity applies after it), a target within`,
    '[ceil(N/2), 2N] and [1, 10000], at most 10 calls in any rolling 24 h; refused calls are not ops.',
    'Writes beyond a minute\'s capacity (1 MiB/s and 1,000 records/s per shard) are throttled.',
    '',
    '- Initial shards of the adaptive policies (this-library, aws-samples, substation, scaling-utils): '
      + `ceil(peak demand of the first ${INITIAL_WINDOW_MINUTES} minutes / ${INITIAL_UTILIZATION}), at least 1.`,
    '- this-library: `decide()` from `lambda/autoscaler/policy.ts` with `DEFAULT_SCALING` '
      + `(target ${DEFAULT_SCALING.targetUtilization}, up ${DEFAULT_SCALING.scaleUpThreshold} checked from ${DEFAULT_SCALING.scaleUpAlarmThreshold}, `
      + `down ${DEFAULT_SCALING.scaleDownThreshold} for ${DEFAULT_SCALING.scaleDownMinutes} min, lookback ${DEFAULT_SCALING.lookbackMinutes} min, `
      + `predictive ${DEFAULT_SCALING.predictive}, ${DEFAULT_SCALING.scaleUpReserve} calls kept for scaling up), `
      + 'invoked by the three alarms of `alarmSpecs()`.',
    '- aws-samples: 2N at >= 75% in 5 of 5 five-minute periods, ceil(N/2) at < 25% in 57 of 60.',
    '- substation: floor(N*f) at >= 70% for 5 of 5 minutes, ceil(N/f) at <= 35% for 60 of 60; f = 2/1.75/1.5/1.25.',
    '- scaling-utils: N+1 when >= 5 of the last 15 minutes are > 75% (every 15 min at most), N-1 when all 15 are < 25% (every 60 min at most).',
    '- static-peak: the peak minute\'s demand rounded up, all the time.',
    '- lower-bound: each minute exactly its demand rounded up, no API limits; its ops are the minute-to-minute changes (informational).',
    `- on-demand: capacity max(4, 2 x the previous 30 days' peak minute) shards' worth; billed $${PRICES.onDemandStreamHourUsd}/stream-hour `
      + `+ $${PRICES.onDemandPerGbUsd}/GB, records rounded up to 1 KB. **Its shard-hours and ops are reported as 0: it has no shards to count.**`,
    `- Provisioned cost: $${PRICES.shardHourUsd}/shard-hour (while UPDATING, the larger of the old and new count is billed) `
      + `+ $${PRICES.putUnitsPerMillionUsd} per million 25 KB PUT payload units.`,
    '- throttled % is the share of records sent that were throttled (0.05 means 0.05%).',
    '',
    'Charts show demand (grey) against the provisioned shards of each adaptive policy and static-peak;',
    'lower-bound is the demand rounded up, and on-demand is left out.',
    '',
  ];
  for (const { trace, table } of sections) {
    out.push(`## ${trace.name}`, '', describeTrace(trace) + '.', '', table, '', `![${trace.name}](${trace.name}.svg)`, '');
  }
  return out.join('\n');
}

export function main(argv: string[]): void {
  const options = parseArgs(argv);
  const runOptions = { updatingMinutes: options.updatingMinutes };

  if (options.trace) {
    const name = path.basename(options.trace).replace(/\.csv$/i, '');
    const trace = parseTraceCsv(fs.readFileSync(options.trace, 'utf8'), name);
    const results = resultsOf(runAll(trace, runOptions));
    if (options.json) {
      process.stdout.write(JSON.stringify(toJson(results), undefined, 2) + '\n');
    } else {
      process.stdout.write(`## ${trace.name}\n\n${describeTrace(trace)}.\n\n${markdownTable(results)}\n`);
    }
    return;
  }

  fs.mkdirSync(options.out, { recursive: true });
  const sections: { trace: Trace; table: string }[] = [];
  for (const trace of generateTraces()) {
    const runs = runAll(trace, runOptions);
    const results = resultsOf(runs);
    const table = markdownTable(results);
    fs.writeFileSync(path.join(options.out, `${trace.name}.csv`), traceToCsv(trace));
    fs.writeFileSync(path.join(options.out, `${trace.name}.svg`), chartFor(trace, runs));
    sections.push({ trace, table });
    process.stdout.write(`## ${trace.name}\n\n${describeTrace(trace)}.\n\n${table}\n\n`);
    if (options.json) {
      process.stdout.write('```json\n' + JSON.stringify(toJson(results)) + '\n```\n\n');
    }
  }
  fs.writeFileSync(path.join(options.out, 'README.md'), readmeFor(sections, options));
  process.stdout.write(`wrote ${path.relative(process.cwd(), options.out) || '.'}/{README.md,<trace>.csv,<trace>.svg}\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}
