/**
 * Tuning aid: runs this library's policy with setting overrides on every built-in trace and
 * prints its throttled %, shard-hours as a share of static-peak, and calls.
 *
 *   npx ts-node --project bench/tsconfig.json bench/tune.ts '{"name": {"targetUtilization": 0.8}}'
 *   npx ts-node --project bench/tsconfig.json bench/tune.ts '{"x": {}}' --hours diurnal-2w 8
 *   npx ts-node --project bench/tsconfig.json bench/tune.ts '{"x": {}}' --throttled ramp-6h
 *   npx ts-node --project bench/tsconfig.json bench/tune.ts '{"x": {}}' --seed 7
 *   npx ts-node --project bench/tsconfig.json bench/tune.ts '{"x": {}}' --updating-minutes 10
 *
 * With --hours it prints one day of a trace hour by hour: demand peak and mean, capacity, calls.
 * With --throttled it lists the minutes whose demand exceeded the capacity. Both take the first
 * variant. --seed K draws the traces with other noise (see generateTraces). --updating-minutes N
 * makes each reshard take N minutes (2 by default).
 */
import { ThisLibraryPolicy, thisLibraryConfig } from './policies/this-library';
import { DEFAULT_UPDATING_MINUTES, initialShards, parseUpdatingMinutes, simulateProvisioned, simulateStaticPeak, traceDemand } from './sim';
import { generateTraces } from './traces';

const variants: Record<string, object> = JSON.parse(process.argv[2] ?? '{"defaults":{}}');
const seedArg = process.argv.indexOf('--seed');
const traces = generateTraces(seedArg > 0 ? Number(process.argv[seedArg + 1]) : 0);
const updatingArg = process.argv.indexOf('--updating-minutes');
const updatingMinutes = updatingArg > 0 ? parseUpdatingMinutes(process.argv[updatingArg + 1]) : DEFAULT_UPDATING_MINUTES;

function run(name: string, overrides: object) {
  const trace = traces.find((t) => t.name === name)!;
  const n0 = initialShards(trace);
  const policy = new ThisLibraryPolicy(n0, { ...thisLibraryConfig(), ...overrides });
  return { trace, policy, run: simulateProvisioned(trace, policy, { initialShards: n0, updatingMinutes }) };
}

const mode = process.argv[3];
if (mode === '--hours' || mode === '--throttled') {
  const { trace, policy, run: r } = run(process.argv[4], Object.values(variants)[0]);
  const demand = traceDemand(trace);
  if (mode === '--throttled') {
    demand.forEach((d, t) => {
      if (d > r.capacity[t]) {
        console.log(`${Math.floor(t / 60) % 24}h:${String(t % 60).padStart(2, '0')} (day ${Math.floor(t / 1440)}) demand ${d.toFixed(2)} shards ${r.capacity[t]}`);
      }
    });
  } else {
    const day = Number(process.argv[5] ?? 0);
    for (let h = day * 24; h < day * 24 + 24 && h * 60 < demand.length; h++) {
      const seg = demand.slice(h * 60, h * 60 + 60);
      const cap = r.capacity.slice(h * 60, h * 60 + 60);
      const calls = policy.invocations.filter((i) => i.accepted && Math.floor(i.minute / 60) === h);
      console.log(`${String(h % 24).padStart(2)}h demand max ${Math.max(...seg).toFixed(1).padStart(5)} mean ${(seg.reduce((x, y) => x + y, 0) / 60).toFixed(1).padStart(5)}`
        + ` shards ${Math.min(...cap)}-${Math.max(...cap)} ${calls.map((i) => `[:${i.minute % 60} ${i.decision.reason}]`).join(' ')}`);
    }
  }
} else {
  for (const [name, overrides] of Object.entries(variants)) {
    const cells = traces.map((t) => {
      const r = run(t.name, overrides).run.result;
      const peak = simulateStaticPeak(t).result.shardHours;
      return `${t.name} ${r.throttledPct.toFixed(4)}% ${(100 * r.shardHours / peak).toFixed(1)}% ${r.scalingOps}/${r.maxOpsIn24h}`;
    });
    console.log(`${name.padEnd(10)} ${cells.join(' | ')}`);
  }
}
