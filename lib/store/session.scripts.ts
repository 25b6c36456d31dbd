import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis, Result } from 'ioredis';

/**
 * Registers each Lua file as an ioredis command. ioredis then sends EVALSHA and falls back to EVAL on NOSCRIPT
 * (after a restart, a failover or SCRIPT FLUSH), and routes by KEYS on Cluster.
 * @internal
 */
export const SESSION_SCRIPTS = {
  sessionCreate: { file: 'create.lua', numberOfKeys: 3 },
  sessionTouch: { file: 'touch.lua', numberOfKeys: null },
  sessionSetField: { file: 'set-field.lua', numberOfKeys: 1 },
  sessionDestroy: { file: 'destroy.lua', numberOfKeys: null },
  sessionRegenerate: { file: 'regenerate.lua', numberOfKeys: 5 },
  sessionUnlock: { file: 'unlock.lua', numberOfKeys: 1 },
} as const;

type ScriptName = keyof typeof SESSION_SCRIPTS;

const SCRIPTS_DIR = join(__dirname, 'scripts');

export function defineSessionScripts(client: Redis | Cluster): void {
  for (const [name, { file, numberOfKeys }] of Object.entries(SESSION_SCRIPTS)) {
    if (typeof (client as unknown as Record<string, unknown>)[name] === 'function') continue;
    const lua = readFileSync(join(SCRIPTS_DIR, file), 'utf8');
    client.defineCommand(name as ScriptName, numberOfKeys === null ? { lua } : { lua, numberOfKeys });
  }
}

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    sessionCreate(
      session: string, shadow: string, index: string, ...args: Arg[]
    ): Result<[number, number, number], Context>;
    /** numberOfKeys is dynamic: the first argument is the key count (two per session). */
    sessionTouch(numberOfKeys: number, ...keysThenArgs: Arg[]): Result<Array<[number, number, string] | null>, Context>;
    sessionSetField(session: string, field: string, json: string, del: '0' | '1', maxBytes: Arg): Result<number, Context>;
    /** numberOfKeys is dynamic: the first argument is the key count. */
    sessionDestroy(numberOfKeys: number, ...keysThenArgs: Arg[]): Result<number, Context>;
    sessionRegenerate(
      oldSession: string, oldShadow: string, newSession: string, newShadow: string, index: string, ...args: Arg[]
    ): Result<[number, number] | null, Context>;
    sessionUnlock(lock: string, owner: string): Result<number, Context>;
  }
}
