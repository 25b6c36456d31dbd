import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../tools/redis-server.process';

/** bench/dist/bench, where the compiled apps and workers are. */
export const BENCH_DIST = join(__dirname, '..');

export interface AppProcessOptions {
  /** Short name for messages. */
  name: string;
  /** Entry file under bench/dist/bench/apps, without extension: 'bare', 'ours', ... */
  entry: string;
  env: Record<string, string>;
  /** Extra node flags for this app, e.g. ['--cpu-prof', '--cpu-prof-dir=...']. */
  execArgv?: string[];
  startTimeoutMs?: number;
}

export interface AppCpu {
  /** process.cpuUsage() user + system, µs. */
  cpuUs: number;
  rss: number;
  /** HTTP requests the app has received so far. */
  served: number;
}

/**
 * One benchmark app in a child process of its own (so its CPU is its own), spoken to over IPC. The runner only ever
 * stops the processes it started, by their handle.
 */
export class AppProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: AppCpu) => void>();
  private readonly profiling = new Map<number, (error?: string) => void>();
  private stderr = '';

  private constructor(readonly name: string, readonly child: ChildProcess, readonly url: string) {
    child.on('message', (m: { type?: string; id?: number; usage?: NodeJS.CpuUsage; rss?: number; served?: number; error?: string }) => {
      if (m?.type === 'profile' && m.id !== undefined) {
        this.profiling.get(m.id)?.(m.error);
        this.profiling.delete(m.id);
      }
      if (m?.type === 'cpu' && m.id !== undefined) {
        this.waiting.get(m.id)?.({ cpuUs: m.usage!.user + m.usage!.system, rss: m.rss ?? 0, served: m.served ?? 0 });
        this.waiting.delete(m.id);
      }
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start(o: AppProcessOptions): Promise<AppProcess> {
    const port = await freePort();
    const child = fork(join(BENCH_DIST, 'apps', `${o.entry}.js`), [], {
      env: { ...process.env, ...o.env, PORT: String(port) },
      execArgv: o.execArgv ?? [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${o.name} did not print its ready line within ${o.startTimeoutMs ?? 30_000} ms:\n${out}\n${stderr}`));
      }, o.startTimeoutMs ?? 30_000);
      child.stdout?.on('data', (d) => {
        out += d;
        const m = /^ready (\S+)$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${o.name} exited before it was ready (code ${code}, signal ${signal}):\n${out}\n${stderr}`));
      });
    });
    const app = new AppProcess(o.name, child, url);
    child.stderr?.on('data', (d) => (app.stderr = (app.stderr + d).slice(-8000)));
    app.stderr = stderr;
    return app;
  }

  /** The app's own process.cpuUsage() (user + system µs) and requests served so far, asked over IPC. */
  cpu(): Promise<AppCpu> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no cpu reply`)), 5000);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.child.send({ type: 'cpu', id });
    });
  }

  /** Starts the app's CPU profiler (inspector), or stops it and writes the .cpuprofile to `path`. */
  profile(action: 'start' | 'stop', path?: string): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no profile reply`)), 30_000);
      this.profiling.set(id, (error) => {
        clearTimeout(timer);
        if (error) reject(new Error(error));
        else resolve();
      });
      this.child.send({ type: `profile-${action}`, id, path });
    });
  }

  get recentStderr(): string {
    return this.stderr;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Asks the app to close (so a --cpu-prof profile is written), then kills it if it has not exited in time. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      this.child.send({ type: 'stop' });
    } catch {
      /* IPC already closed */
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Synchronous last resort for exit handlers. */
  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}
