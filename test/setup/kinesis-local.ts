import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** A kinesis-local server (a Kinesis-compatible mock from npm) on loopback, for one test file. */
export interface KinesisLocal {
  readonly endpoint: string;
  /** A client for it over HTTP/1.1: the SDK's default HTTP/2 handler gives protocol errors against it. */
  client(): KinesisClient;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startKinesisLocal(env: Record<string, string> = {}): Promise<KinesisLocal> {
  const dir = path.dirname(require.resolve('kinesis-local/package.json'));
  const plainPort = await freePort();
  const tlsPort = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(dir, 'main.js')], {
    cwd: dir,
    env: {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      KINESIS_MOCK_CERT_PATH: path.join(dir, 'server.json'),
      LOG_LEVEL: 'WARN',
      CREATE_STREAM_DURATION: '100ms',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => { output += d; });
  child.stderr?.on('data', (d) => { output += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const endpoint = `http://127.0.0.1:${plainPort}`;
  const client = () => new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 5000 }),
    maxAttempts: 2,
  });
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
  };

  // Bounded wait for the server to answer.
  const probe = client();
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await probe.send(new ListStreamsCommand({}));
      break;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) {
        await stop();
        throw new Error(`kinesis-local did not start: ${(err as Error).message}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  probe.destroy();
  return { endpoint, client, stop };
}
