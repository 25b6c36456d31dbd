import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Optional settings of a RedisServerProcess beyond its command-line arguments. */
export interface RedisServerProcessOptions {
  /**
   * A config file to load. redis-server only takes it as its first argument, before any `--option`, and Sentinel
   * mode (`--sentinel`) requires one (Sentinel rewrites it with what it learns).
   */
  configFile?: string;
}

/**
 * A private `redis-server` child process on a free port, in a temp dir of its own. Used by the sample app when
 * REDIS_URL is unset and by the test harness. Only ever stops the process it started.
 */
export class RedisServerProcess {
  private child?: ChildProcess;
  readonly dir: string;
  port = 0;

  constructor(
    private readonly args: string[] = [], dir?: string, private readonly options: RedisServerProcessOptions = {},
  ) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'nrs-redis-'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (on a new free port the first time, the same port on restarts) and waits for PING. */
  async start(timeoutMs = 10_000): Promise<this> {
    assertRedisServerInstalled();
    // A port found free can be taken before redis-server binds it (another process's outgoing connection, say):
    // when this call chose the port, choose again. A restart keeps its port and gets no retry.
    const choosesPort = !this.port;
    for (let attempt = 1; ; attempt++) {
      if (choosesPort) this.port = await freePort();
      try {
        return await this.startOnce(timeoutMs);
      } catch (err) {
        if (!choosesPort || attempt >= 3 || !/Address already in use/i.test((err as Error).message)) throw err;
      }
    }
  }

  private async startOnce(timeoutMs: number): Promise<this> {
    const configFile = this.options.configFile ? [this.options.configFile] : [];
    const child = spawn(
      'redis-server',
      [...configFile, '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--daemonize', 'no', ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (d) => (output = (output + d).slice(-4000)));
    child.stderr?.on('data', (d) => (output = (output + d).slice(-4000)));
    this.child = child;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${output}`);
      if (await ping(this.port)) return this;
      await new Promise((r) => setTimeout(r, 25));
    }
    this.kill();
    throw new Error(`redis-server on port ${this.port} did not answer PING within ${timeoutMs} ms:\n${output}`);
  }

  /** SIGKILL (a crash, not a clean shutdown) and wait until the process is gone. */
  async crash(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Synchronous kill for process-exit handlers. */
  kill(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Fails with a message that says how to get redis-server. */
export function assertRedisServerInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'redis-server was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`, ' +
        'macOS: `brew install redis`) or set REDIS_URL to a Redis you may write to.',
    );
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** One raw PING over TCP; avoids needing a Redis client just to wait for readiness. */
export function ping(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}
