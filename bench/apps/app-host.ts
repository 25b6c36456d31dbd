import 'reflect-metadata';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { writeFileSync } from 'node:fs';
import { Session as InspectorSession } from 'node:inspector';

/**
 * What every benchmark app shares: the adapter choice, the `GET /me` body, and the contract with the runner.
 * Contract: listen on 127.0.0.1:$PORT, print `ready <url>` on stdout, answer `{ type: 'cpu', id }` IPC messages with
 * this process's `process.cpuUsage()` and the number of requests it has served, and close cleanly on `{ type: 'stop' }` (so `--cpu-prof` gets written).
 */
export type AdapterName = 'express' | 'fastify';

export const BENCH_USER = { userId: 'u-1001', username: 'alice', device: 'Firefox on Linux' } as const;

/** Idle timeout every session flavour uses, in seconds (the library's default). */
export const IDLE_SECONDS = 1800;

export function adapterFromEnv(): AdapterName {
  const a = process.env.ADAPTER ?? 'express';
  if (a !== 'express' && a !== 'fastify') throw new Error(`ADAPTER must be express or fastify, got ${a}`);
  return a;
}

export function redisUrlFromEnv(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is required');
  return url;
}

/** The same response shape for every app, so serialisation costs the same everywhere. */
export function meBody(userId: string, username: string | undefined, device: string, createdAt: Date, lastSeenAt: Date, expiresAt: Date) {
  return {
    userId,
    username,
    device,
    createdAt: createdAt.toISOString(),
    lastSeenAt: lastSeenAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
}

export async function createApp<T extends INestApplication = INestApplication>(module: Type<unknown>, adapter: AdapterName): Promise<T> {
  return NestFactory.create<T>(module, adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
    logger: ['error'],
    abortOnError: false,
  });
}

export async function serve(app: INestApplication): Promise<void> {
  const port = Number(process.env.PORT ?? 0);
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  let stopping = false;
  // Requests that reached the app (autocannon counts only those answered before it stopped): the exact denominator
  // for Redis commands and CPU per request.
  let served = 0;
  app.getHttpServer().on('request', () => served++);
  process.on('message', (m: { type?: string; id?: number }) => {
    if (m?.type === 'cpu') {
      process.send?.({ type: 'cpu', id: m.id, usage: process.cpuUsage(), rss: process.memoryUsage.rss(), served });
    } else if (m?.type === 'profile-start' || m?.type === 'profile-stop') {
      void profiler(m as { type: string; id: number; path?: string });
    } else if (m?.type === 'stop' && !stopping) {
      stopping = true;
      void app.close().catch(() => undefined).finally(() => process.exit(0));
    }
  });
  // The runner went away (crash, Ctrl-C): never outlive it.
  process.on('disconnect', () => process.exit(0));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
  console.log(`ready ${url}`);
}

/**
 * CPU profiling of the measured runs only (what `node --cpu-prof` records, without boot and idle time): the runner
 * sends profile-start before a run and profile-stop with a path after it; the .cpuprofile is written there.
 */
let inspector: InspectorSession | undefined;
async function profiler(m: { type: string; id: number; path?: string }): Promise<void> {
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => inspector!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  try {
    if (m.type === 'profile-start') {
      if (!inspector) {
        inspector = new InspectorSession();
        inspector.connect();
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 200 });
      }
      await post('Profiler.start');
    } else {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      if (m.path) writeFileSync(m.path, JSON.stringify(profile));
    }
    process.send?.({ type: 'profile', id: m.id });
  } catch (err) {
    process.send?.({ type: 'profile', id: m.id, error: String(err) });
  }
}

export function fail(err: unknown): never {
  console.error(err);
  process.exit(1);
}
