import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis, Result } from 'ioredis';

/**
 * Each Lua file as an ioredis command: EVALSHA, EVAL on NOSCRIPT (after a restart, a failover or SCRIPT FLUSH),
 * routed by KEYS on Cluster. The `#!lua` line's flags (Redis 7) say up front if a script may run when memory is full.
 * @internal
 */
export const SESSION_SCRIPTS = {
  sessionCreate: { file: 'create.lua', numberOfKeys: 2 },
  sessionTouch: { file: 'touch.lua', numberOfKeys: null },
  sessionSetField: { file: 'set-field.lua', numberOfKeys: 1 },
  sessionDestroy: { file: 'destroy.lua', numberOfKeys: null },
  sessionDestroyAll: { file: 'destroy-all.lua', numberOfKeys: 1 },
  sessionRenew: { file: 'renew.lua', numberOfKeys: 2 },
  sessionReportEnd: { file: 'report-end.lua', numberOfKeys: 2 },
  sessionCsrf: { file: 'csrf.lua', numberOfKeys: 1 },
  sessionUnlock: { file: 'unlock.lua', numberOfKeys: 1 },
} as const;

export function defineSessionScripts(client: Redis | Cluster): void {
  for (const [name, { file, numberOfKeys }] of Object.entries(SESSION_SCRIPTS)) {
    if (typeof (client as unknown as Record<string, unknown>)[name] === 'function') continue;
    const lua = readFileSync(join(__dirname, 'scripts', file), 'utf8');
    client.defineCommand(name as keyof typeof SESSION_SCRIPTS, numberOfKeys === null ? { lua } : { lua, numberOfKeys });
  }
}

type Arg = string | number;

/** What touch.lua answers for one session: [now ms, expiry ms, packed fields], or null. */
export type TouchReply = [number, number, string] | null;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    sessionCreate(session: string, index: string, ...args: Arg[]): Result<number[], Context>;
    /** The first argument is the key count (two per session), the keys follow, then the arguments. */
    sessionTouch(numberOfKeys: number, ...keysThenArgs: Arg[]): Result<Array<TouchReply | false>, Context>;
    sessionSetField(session: string, ...args: Arg[]): Result<number, Context>;
    sessionDestroy(numberOfKeys: number, ...keysThenArgs: Arg[]): Result<number, Context>;
    sessionDestroyAll(index: string, ...args: Arg[]): Result<[number, number], Context>;
    sessionRenew(session: string, index: string, ...args: Arg[]): Result<number[] | null, Context>;
    sessionReportEnd(session: string, index: string, ...args: Arg[]): Result<number, Context>;
    sessionUnlock(lock: string, owner: string): Result<number, Context>;
    sessionCsrf(session: string, candidate: string): Result<string | null, Context>;
  }
}
