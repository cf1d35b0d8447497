/** Every policy the benchmark compares, run on one trace. */
import {
  DEFAULT_UPDATING_MINUTES,
  initialShards,
  PolicyResult,
  ProvisionedPolicy,
  SimRun,
  simulateLowerBound,
  simulateOnDemand,
  simulateProvisioned,
  simulateStaticPeak,
  Trace,
} from '../sim';
import { AwsSamplesPolicy } from './aws-samples';
import { ScalingUtilsPolicy } from './scaling-utils';
import { SubstationPolicy } from './substation';
import { ThisLibraryPolicy, thisLibraryConfig } from './this-library';

/** The policies, in the order of the JSON output and the tables. */
export const POLICY_NAMES = [
  'this-library',
  'aws-samples',
  'substation',
  'scaling-utils',
  'on-demand',
  'static-peak',
  'lower-bound',
] as const;
export type PolicyName = typeof POLICY_NAMES[number];

/** The public autoscalers this library is compared with. */
export const ANCHOR_NAMES = ['aws-samples', 'substation', 'scaling-utils'] as const;
export type AnchorName = typeof ANCHOR_NAMES[number];

export interface RunOptions {
  /** Minutes a stream stays UPDATING after UpdateShardCount. */
  readonly updatingMinutes?: number;
  /** Settings that replace this library's defaults (as in bench/tune.ts), to measure a variant. */
  readonly thisLibraryOverrides?: object;
}

/** The adaptive provisioned policies, each made fresh for a run. */
const ADAPTIVE: Record<'this-library' | 'aws-samples' | 'substation' | 'scaling-utils', (n0: number, options: RunOptions) => ProvisionedPolicy> = {
  'this-library': (n0, options) => new ThisLibraryPolicy(n0, { ...thisLibraryConfig(), ...options.thisLibraryOverrides }),
  'aws-samples': () => new AwsSamplesPolicy(),
  'substation': () => new SubstationPolicy(),
  'scaling-utils': () => new ScalingUtilsPolicy(),
};

/** Runs every policy on a trace. */
export function runAll(trace: Trace, options: RunOptions = {}): Record<PolicyName, SimRun> {
  const updatingMinutes = options.updatingMinutes ?? DEFAULT_UPDATING_MINUTES;
  const n0 = initialShards(trace);
  const adaptive = (name: keyof typeof ADAPTIVE): SimRun =>
    simulateProvisioned(trace, ADAPTIVE[name](n0, options), { initialShards: n0, updatingMinutes });
  return {
    'this-library': adaptive('this-library'),
    'aws-samples': adaptive('aws-samples'),
    'substation': adaptive('substation'),
    'scaling-utils': adaptive('scaling-utils'),
    'on-demand': simulateOnDemand(trace),
    'static-peak': simulateStaticPeak(trace),
    'lower-bound': simulateLowerBound(trace),
  };
}

/** Each public autoscaler's throttled %, in `ANCHOR_NAMES` order. */
export function anchorThrottledPct(runs: Record<PolicyName, SimRun>): Record<AnchorName, number> {
  const out = {} as Record<AnchorName, number>;
  for (const name of ANCHOR_NAMES) {
    out[name] = runs[name].result.throttledPct;
  }
  return out;
}

/** The results only, keyed by policy, in `POLICY_NAMES` order. */
export function resultsOf(runs: Record<PolicyName, SimRun>): Record<PolicyName, PolicyResult> {
  const out = {} as Record<PolicyName, PolicyResult>;
  for (const name of POLICY_NAMES) {
    out[name] = runs[name].result;
  }
  return out;
}
