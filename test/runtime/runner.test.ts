import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const RUNNER = path.join(ROOT, 'runtime', 'flink-sql-runner', 'main.py');
// No __pycache__ next to the runner: the directory is the application's code asset.
const ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

describe('Flink SQL runner (Python)', () => {
  test('compiles', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'));
    // WHEN
    const result = spawnSync('python3', ['-c', 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)', RUNNER, path.join(dir, 'main.pyc')], { env: ENV, encoding: 'utf-8' });
    fs.rmSync(dir, { recursive: true, force: true });
    // THEN
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('unit tests pass', () => {
    // GIVEN
    const cache = path.join(path.dirname(RUNNER), '__pycache__');
    const cachedBefore = fs.existsSync(cache);
    // WHEN
    const result = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', path.join('test', 'runtime'), '-p', 'test_*.py', '-v'], { cwd: ROOT, env: ENV, encoding: 'utf-8' });
    // THEN
    const output = `${result.stdout}\n${result.stderr}`;
    expect({ status: result.status, output }).toEqual({ status: 0, output: expect.stringMatching(/\nOK\b/) });
    const ran = /Ran (\d+) tests?/.exec(output);
    expect(ran).not.toBeNull();
    expect(Number(ran![1])).toBeGreaterThan(0);
    expect(fs.existsSync(cache)).toBe(cachedBefore);
  });
});
