import type { InstanceName } from './model-app';
import { LimitPolicy, TIMING } from './model-options';

/**
 * The reference model: what the deployment must look like after every acknowledged operation. Real time is part
 * of it (idle and absolute expiry, rotation grace), and the model only knows each deadline within a window (the
 * request that set it ran somewhere between sending and answer), so liveness is three-valued: yes, no, maybe.
 * "Maybe" lets either outcome through; the outcome then seen is written back, so the model never flips later.
 */
export interface Window {
  lo: number;
  hi: number;
}

export type Tri = 'yes' | 'no' | 'maybe';

/** How a session ended, as the model knows it: the app's reasons (event `invalidated`) or `expired`. */
export type EndCause =
  | 'logout' | 'logout-all' | 'logout-others' | 'revoked' | 'max-sessions' | 'hijack-suspected' | 'login' | 'expired';

/** One acknowledged write of a data field (value null: the field was removed). */
export interface Write {
  value: string | null;
  t0: number;
  t1: number;
  instance: InstanceName;
  step: number;
}

export interface ModelSession {
  /** Creation order in this world (S0, S1, ...): "oldest" for evict-oldest. */
  n: number;
  userId: string;
  /** The User-Agent of the browser that logged in: what binding compares with. */
  userAgent: string;
  remembered: boolean;
  createdAt?: number;
  /** The token issued last (login, rotation, regenerate), dead or not. */
  current: string;
  /** When it was issued: rotation falls due `everySeconds` later. */
  issued: Window;
  issuedStep: number;
  /** Every public id the session has shown; the first is the one login answered. */
  ids: string[];
  absolute: Window;
  idle: Window;
  /** Set once the end is certain. `causes` has several entries when the model cannot tell which came first. */
  ended?: { causes: EndCause[]; at: Window; step: number };
  fields: Record<string, Write[]>;
}

export interface TokenState {
  session: number;
  /** When a rotation replaced it: it keeps working for the grace period after that. */
  replacedAt?: Window;
  dead?: boolean;
  /** The step that killed it (its session ended, a regenerate replaced it, or a 401 proved it gone). */
  diedAt?: number;
}

export interface ModelConfig {
  cache: 'off' | 'tracking' | 'events';
  rotation: boolean;
  binding: boolean;
  limit: number;
  policy: LimitPolicy;
}

export interface World {
  sessions: ModelSession[];
  tokens: Record<string, TokenState>;
  /**
   * Public ids a session showed that no regenerate explains (yet): they fail the run at its end (ids must be stable),
   * unless a regenerate answering that id turns out to have happened in the same concurrent group.
   */
  unexplainedIds: Array<{ session: number; id: string; was: string; step: number }>;
}

export const emptyWorld = (): World => ({ sessions: [], tokens: {}, unexplainedIds: [] });

export const cloneWorld = (w: World): World => structuredClone(w);

/**
 * Two worlds that agree on everything but how, or within which window, a session ended are one (see mergeEnds):
 * once a session has ended only the end-of-run events check reads those, and the step it ended at stays apart.
 */
export function worldKey(w: World): string {
  const over = new Set(w.sessions.filter((s) => s.ended).map((s) => s.n));
  return JSON.stringify({
    ...w,
    sessions: w.sessions.map((s) => (over.has(s.n) ? { n: s.n, user: s.userId, ids: s.ids, step: s.ended!.step } : s)),
    tokens: Object.entries(w.tokens).map(([t, tok]) => (over.has(tok.session) ? [t, tok.session, tok.dead] : [t, tok])),
  });
}

/**
 * One world for two of the same key: each ended session carries the causes of both and the widest end window.
 * Kept apart, uncertain expiries at the edge of concurrent logins doubled the worlds step after step, past
 * MAX_WORLDS, and the cap dropped the very worlds the deployment had taken (seed 1809371490, path 7:5).
 * The events check then accepts any of a session's causes, independently of the other sessions' (a little looser
 * than one world per combination).
 */
export function mergeEnds(into: World, from: World): World {
  const merged = cloneWorld(into);
  for (const s of merged.sessions) {
    const other = from.sessions[s.n].ended;
    if (!s.ended || !other) continue;
    s.ended.causes = [...new Set([...s.ended.causes, ...other.causes])];
    s.ended.at = { lo: Math.min(s.ended.at.lo, other.at.lo), hi: Math.max(s.ended.at.hi, other.at.hi) };
  }
  return merged;
}

const SLACK = TIMING.slackMs;

/**
 * How far the idle deadline may lag behind the last request: with the cache on, a hit does not slide the expiry in
 * Redis, and the entry may come from a read that did not slide either (at most two refresh intervals).
 */
export const idleLagMs = (cfg: ModelConfig) => (cfg.cache === 'off' ? 0 : 2 * TIMING.cacheRefreshMs);

export const idleMsOf = (s: ModelSession) => (s.remembered ? TIMING.rememberedIdleMs : TIMING.idleMs);
export const absoluteMsOf = (remembered: boolean) => (remembered ? TIMING.rememberedAbsoluteMs : TIMING.absoluteMs);

export function deadline(s: ModelSession): Window {
  return { lo: Math.min(s.idle.lo, s.absolute.lo), hi: Math.min(s.idle.hi, s.absolute.hi) };
}

/** Whether the session is alive at some moment of a request that ran from t0 to t1. */
export function sessionAlive(s: ModelSession, t0: number, t1: number): Tri {
  if (s.ended) return 'no';
  const d = deadline(s);
  if (t1 < d.lo - SLACK) return 'yes';
  if (t0 > d.hi + SLACK) return 'no';
  return 'maybe';
}

/** Whether a token still names its session (ignoring whether the session lives) during [t0, t1]. */
export function tokenValid(tok: TokenState, t0: number, t1: number): Tri {
  if (tok.dead) return 'no';
  if (!tok.replacedAt) return 'yes';
  if (t1 < tok.replacedAt.lo + TIMING.rotationGraceMs - SLACK) return 'yes';
  if (t0 > tok.replacedAt.hi + TIMING.rotationGraceMs + SLACK) return 'no';
  return 'maybe';
}

export const tokensOf = (w: World, n: number) => Object.keys(w.tokens).filter((t) => w.tokens[t].session === n);

/** The token a session answers to without grace: the one issued last, unless it is dead. */
export const currentToken = (w: World, n: number): string | undefined =>
  w.tokens[w.sessions[n].current]?.dead ? undefined : w.sessions[n].current;

export const sessionsOfUser = (w: World, userId: string) => w.sessions.filter((s) => s.userId === userId);

export const describeSession = (s: ModelSession) =>
  `S${s.n} (user ${s.userId}, id ${s.ids.join('/') || '?'}${s.ended ? `, ended at step ${s.ended.step} by ${s.ended.causes.join(' or ')}` : ''})`;

/**
 * Ends a session at an operation that ran from t0 to t1. When its deadline may have passed before that, Redis
 * may have expired it first: `expired` is then a possible cause too (the events check accepts either).
 */
export function endSession(w: World, n: number, cause: EndCause, t0: number, t1: number, step: number): void {
  const s = w.sessions[n];
  if (s.ended) return;
  const mayHaveExpired = sessionAlive(s, t0, t1) !== 'yes';
  const causes: EndCause[] = mayHaveExpired && cause !== 'expired' ? [cause, 'expired'] : [cause];
  const lo = mayHaveExpired ? Math.min(t0, deadline(s).lo) : t0;
  s.ended = { causes, at: { lo, hi: t1 }, step };
  for (const t of tokensOf(w, n)) killToken(w, t, step);
}

export function killToken(w: World, token: string, step: number): void {
  const tok = w.tokens[token];
  if (tok.dead) return;
  tok.dead = true;
  tok.diedAt = step;
}

/** A request of the session was served from t0 to t1: its idle expiry slid to somewhere in this window. */
export function slide(w: World, n: number, t0: number, t1: number, cfg: ModelConfig): void {
  const s = w.sessions[n];
  const idle = idleMsOf(s);
  s.idle = { lo: Math.max(s.idle.lo, t0 - idleLagMs(cfg) + idle), hi: Math.max(s.idle.hi, t1 + idle) };
}

/** New tokens of a session (a rotation): the one in use so far keeps working for the grace period. */
export function registerRotation(w: World, n: number, tokens: string[], t0: number, t1: number, step: number, dead = false): void {
  for (const token of tokens) {
    if (w.tokens[token]) continue;
    const s = w.sessions[n];
    w.tokens[token] = { session: n };
    // Dead at birth (what ordered before it, a regenerate say, already replaced it): it replaced nothing.
    if (dead) {
      killToken(w, token, step);
      continue;
    }
    w.tokens[s.current].replacedAt ??= { lo: t0, hi: t1 };
    if (s.ended !== undefined) killToken(w, token, step);
    s.current = token;
    s.issued = { lo: t0, hi: t1 };
    s.issuedStep = step;
  }
}

/** A public id seen for a session. `byRegenerate`: a regenerate answered it, the one way an id may change. */
export function noteId(w: World, n: number, id: string, step: number, byRegenerate: boolean): void {
  const s = w.sessions[n];
  if (byRegenerate) w.unexplainedIds = w.unexplainedIds.filter((u) => u.session !== n || u.id !== id);
  if (s.ids.includes(id)) return;
  if (!byRegenerate) w.unexplainedIds.push({ session: n, id, was: s.ids[s.ids.length - 1], step });
  s.ids.push(id);
}

/** All subsets of a list (for the few sessions whose expiry the model cannot decide). */
export function subsets<T>(xs: T[]): T[][] {
  return xs.reduce<T[][]>((acc, x) => acc.concat(acc.map((s) => [...s, x])), [[]]);
}
