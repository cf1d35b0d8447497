import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main, markdownTable, parseArgs, toJson } from '../../bench/autoscaler';
import { renderChart } from '../../bench/chart';
import { POLICY_NAMES, resultsOf, runAll } from '../../bench/policies';
import { traceDemand } from '../../bench/sim';
import { generateTraces, MAX_TRACE_MINUTES, mulberry32, parseTraceCsv, TRACE_NAMES, traceToCsv } from '../../bench/traces';

describe('CSV', () => {
  test('round-trips a trace', () => {
    const trace = { name: 'x', bytes: [0, 1536, 1e9], records: [0, 1, 654321] };
    const csv = traceToCsv(trace);
    expect(csv.split('\n')[0]).toBe('minute,incoming_bytes,incoming_records');
    expect(parseTraceCsv(csv, 'x')).toEqual(trace);
  });

  test('accepts CRLF and blank lines; minutes may start anywhere', () => {
    const trace = parseTraceCsv('minute,incoming_bytes,incoming_records\r\n5,10,1\r\n6,20,2\r\n\r\n', 'y');
    expect(trace).toEqual({ name: 'y', bytes: [10, 20], records: [1, 2] });
  });

  test('reads the columns by name, in any order, quoted or not; ignores other columns', () => {
    const csv = '"incoming_records", Minute ,extra,incoming_bytes\n1,7,x,10\n"2",8,y,"20"\n';
    expect(parseTraceCsv(csv, 'q')).toEqual({ name: 'q', bytes: [10, 20], records: [1, 2] });
  });

  test('sorts the minutes and reads a missing minute as one without writes', () => {
    const trace = parseTraceCsv('minute,incoming_bytes,incoming_records\n3,30,3\n0,10,1\n1,20,2\n', 'g');
    expect(trace).toEqual({ name: 'g', bytes: [10, 20, 0, 30], records: [1, 2, 0, 3] });
  });

  test('rejects a wrong header, repeated or non-minute minutes, bad values', () => {
    const h = 'minute,incoming_bytes,incoming_records\n';
    expect(() => parseTraceCsv('minute,bytes,records\n0,1,1\n', 'z')).toThrow(/header must name each of minute,incoming_bytes,incoming_records once, got "minute,bytes,records"/);
    expect(() => parseTraceCsv('minute,incoming_bytes,incoming_records,minute\n0,1,1,0\n', 'z')).toThrow(/header/);
    expect(() => parseTraceCsv(`${h}0,1,1\n0,2,2\n`, 'z')).toThrow(/line 3: minute 0 appears twice/);
    expect(() => parseTraceCsv(`${h}0,1,1\n60,1,1\n120,1,1\n`, 'z')).toThrow(/every minute is 60 after the one before/);
    expect(() => parseTraceCsv(`${h}0,1,1\n1,1,1\n${MAX_TRACE_MINUTES},1,1\n`, 'z')).toThrow(/span more than a year/);
    expect(() => parseTraceCsv(`${h}1.5,1,1\n`, 'z')).toThrow(/minute "1.5" is not an integer/);
    expect(() => parseTraceCsv(`${h},1,1\n`, 'z')).toThrow(/minute "" is not an integer/);
    expect(() => parseTraceCsv(`${h}0,-1,1\n`, 'z')).toThrow(/incoming_bytes "-1" is not a non-negative number/);
    expect(() => parseTraceCsv(`${h}0,1,\n`, 'z')).toThrow(/incoming_records "" is not a non-negative number/);
    expect(() => parseTraceCsv(`${h}0,1\n`, 'z')).toThrow(/expected 3 columns, got 2/);
    expect(() => parseTraceCsv(h, 'z')).toThrow(/no minutes/);
    expect(() => parseTraceCsv('\n\n', 'z')).toThrow(/empty trace/);
  });
});

describe('generated traces', () => {
  const traces = generateTraces();

  test('are the five named traces, reproducible', () => {
    expect(traces.map((t) => t.name)).toEqual([...TRACE_NAMES]);
    expect(generateTraces()).toEqual(traces);
    const a = mulberry32(42);
    const b = mulberry32(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  test('peak at tens of shards; records decide in sawtooth, bytes elsewhere', () => {
    for (const trace of traces) {
      const peak = Math.max(...traceDemand(trace));
      expect(peak).toBeGreaterThan(30);
      expect(peak).toBeLessThan(100);
      const recordsDecide = trace.bytes.every((b, t) => trace.records[t] / 60_000 > b / (60 * 1024 * 1024));
      expect(recordsDecide).toBe(trace.name === 'sawtooth');
    }
    expect(traces.find((t) => t.name === 'diurnal-2w')!.bytes).toHaveLength(14 * 1440);
  });
});

describe('output', () => {
  test('JSON has exactly the policy keys, each with the five numbers', () => {
    const json = toJson(resultsOf(runAll({ name: 't', bytes: Array(120).fill(1e8), records: Array(120).fill(1e5) })));
    expect(Object.keys(json)).toEqual([...POLICY_NAMES]);
    for (const name of POLICY_NAMES) {
      expect(Object.keys(json[name]).sort()).toEqual(['costUsd', 'maxOpsIn24h', 'scalingOps', 'shardHours', 'throttledPct']);
      expect(Object.values(json[name]).every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
    }
    expect(markdownTable(json).split('\n')).toHaveLength(2 + POLICY_NAMES.length);
  });

  test('parses arguments', () => {
    expect(parseArgs(['--trace', 'a.csv', '--json', '--updating-minutes', '3', '--out', 'o']))
      .toEqual({ trace: 'a.csv', json: true, updatingMinutes: 3, out: 'o' });
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown argument/);
    expect(() => parseArgs(['--updating-minutes', '-1'])).toThrow(/non-negative/);
    expect(() => parseArgs(['--trace'])).toThrow(/needs a value/);
  });

  test('--trace FILE --json prints one JSON object', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    const file = path.join(dir, 'tiny.csv');
    fs.writeFileSync(file, traceToCsv({ name: 'tiny', bytes: Array(90).fill(2e8), records: Array(90).fill(1e5) }));
    let out = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
      out += String(chunk);
      return true;
    });
    try {
      main(['--trace', file, '--json']);
    } finally {
      jest.restoreAllMocks();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(Object.keys(JSON.parse(out))).toEqual([...POLICY_NAMES]);
  });

  test('the chart is an SVG with a legend entry per series', () => {
    const svg = renderChart({
      title: 'a <b> & c',
      demand: [1, 2, 3, 2],
      series: [{ name: 'p1', color: '#f00', values: [2, 2, 4, 4] }, { name: 'p2', color: '#00f', values: [3, 3, 3, 3] }],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('a &lt;b&gt; &amp; c');
    expect(svg).toContain('>p1<');
    expect(svg).toContain('>p2<');
    expect((svg.match(/<polyline/g) ?? []).length).toBe(2);
  });
});
