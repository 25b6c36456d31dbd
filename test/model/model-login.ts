import type { ExecutedOp, OpMoment } from './executed-op';
import { authenticate } from './model-auth';
import { USERS } from './operations';
import { TIMING } from './model-options';
import {
  absoluteMsOf, cloneWorld, endSession, ModelConfig, ModelSession, sessionAlive, sessionsOfUser, subsets, World,
} from './reference-model';
import { Violation } from './violation';

/**
 * POST /login: the session the browser's cookie names ends (fixation: a token the client brings is never reused),
 * then a new session starts. At maxSessionsPerUser, 'evict-oldest' ends the earliest-created live sessions and
 * 'refuse' answers 409. Sessions whose expiry the model cannot decide are branched on: alive or already expired.
 */
export function applyLogin(w: World, cfg: ModelConfig, ex: ExecutedOp, part: OpMoment['part'] = 'whole'): World[] | Violation {
  const obs = ex.obs!;
  if (obs.status !== 200 && obs.status !== 409) return new Violation('conformance', `login answered ${obs.status}: ${JSON.stringify(obs.body)}`);
  if (obs.status === 409 && !(cfg.limit > 0 && cfg.policy === 'refuse')) {
    return new Violation('conformance', `login answered 409 without a limit that refuses`);
  }
  const newToken = obs.status === 200 ? obs.setTokens.at(-1) : undefined;
  if (obs.status === 200 && !newToken) return new Violation('conformance', 'login answered 200 without setting a cookie');
  const rotation = obs.status === 200 ? obs.setTokens.slice(0, -1) : obs.setTokens;
  if (rotation.length > 0 && !cfg.rotation) return new Violation('conformance', 'login set an extra token although rotation is off');
  const userId = ex.op.kind === 'login' ? USERS[ex.op.user] : ex.op.kind === 'audit-login' ? ex.op.user : '';

  // SessionService.create ends another user's session the cookie names before the create script (its own moment,
  // which concurrent operations can follow), the same user's inside it.
  if (part === 'login-previous') return endPrevious(w, cfg, ex, rotation, (owner) => owner !== userId);
  const afterPrevious = part === 'login-create'
    ? endPrevious(w, cfg, ex, [], (owner) => owner === userId)
    : endPrevious(w, cfg, ex, rotation, () => true);
  if (afterPrevious instanceof Violation) return afterPrevious;
  const worlds: World[] = [];
  let refusal: Violation | undefined;
  for (const world of afterPrevious) {
    if (obs.status === 409) {
      const live = sessionsOfUser(world, userId).filter((s) => sessionAlive(s, obs.t0, obs.t1) !== 'no');
      if (live.length >= cfg.limit) worlds.push(world);
      else refusal = new Violation('conformance', `login answered 409 with ${live.length} live sessions, below the limit of ${cfg.limit}`);
      continue;
    }
    const created = createSession(world, cfg, ex, userId, newToken!);
    if (created instanceof Violation) refusal = created;
    else worlds.push(...created);
  }
  if (worlds.length === 0) return refusal ?? new Violation('conformance', 'no version of the model explains this login');
  return worlds;
}

/**
 * The guard's verdict on the cookie a login brings is not visible (the route is public), so both are tried. When
 * it accepted, the session ends (reason 'login') if `endsHere` says this moment ends its owner's; after a 409 it
 * may also have been kept (the limit checked first).
 */
function endPrevious(
  w: World, cfg: ModelConfig, ex: ExecutedOp, rotationTokens: string[], endsHere: (owner: string) => boolean,
): World[] | Violation {
  const obs = ex.obs!;
  const req = { token: obs.sentToken, t0: obs.t0, t1: obs.t1, step: ex.step, rotationTokens, guardOnly: false };
  const out: World[] = [];
  const accepted = authenticate(w, cfg, req, true);
  if (!(accepted instanceof Violation)) {
    for (const { world, session } of accepted) {
      if (!endsHere(world.sessions[session!].userId)) {
        out.push(world);
        continue;
      }
      if (obs.status === 409) out.push(cloneWorld(world));
      endSession(world, session!, 'login', obs.t0, obs.t1, ex.step);
      out.push(world);
    }
  }
  const refused = authenticate(w, cfg, req, false);
  if (!(refused instanceof Violation)) out.push(...refused.map((o) => o.world));
  if (out.length === 0) return accepted instanceof Violation ? accepted : (refused as Violation);
  return out;
}

function createSession(w: World, cfg: ModelConfig, ex: ExecutedOp, userId: string, token: string): World[] | Violation {
  const obs = ex.obs!;
  if (w.tokens[token]) return new Violation('conformance', `login answered a token already in use`);
  const id = String(obs.body?.id);
  if (w.sessions.some((s) => s.ids.includes(id))) return new Violation('conformance', `login answered public id ${id}, already another session's`);
  const others = sessionsOfUser(w, userId).filter((s) => !s.ended);
  const sure = others.filter((s) => sessionAlive(s, obs.t0, obs.t1) === 'yes');
  const unsure = others.filter((s) => sessionAlive(s, obs.t0, obs.t1) === 'maybe');
  const atLimit = cfg.limit > 0 && sure.length + unsure.length >= cfg.limit;
  // Only where the limit may bite does it matter which undecided sessions still lived.
  const choices = atLimit ? subsets(unsure) : [unsure];
  const worlds: World[] = [];
  for (const alive of choices) {
    const next = cloneWorld(w);
    for (const s of unsure) if (!alive.includes(s)) endSession(next, s.n, 'expired', obs.t0, obs.t1, ex.step);
    const live = [...sure, ...alive].sort((a, b) => a.n - b.n);
    if (cfg.limit > 0 && live.length >= cfg.limit) {
      if (cfg.policy === 'refuse') continue;
      for (const s of live.slice(0, live.length - cfg.limit + 1)) endSession(next, s.n, 'max-sessions', obs.t0, obs.t1, ex.step);
    }
    addSession(next, ex, userId, token, id);
    worlds.push(next);
  }
  if (worlds.length === 0) {
    return new Violation('conformance', `login answered 200 although ${userId} had ${sure.length} live sessions (limit ${cfg.limit}, refuse)`);
  }
  return worlds;
}

function addSession(w: World, ex: ExecutedOp, userId: string, token: string, id: string): void {
  const { t0, t1, body } = ex.obs!;
  const remembered = ex.op.kind === 'login' && ex.op.remember;
  const idle = remembered ? TIMING.rememberedIdleMs : TIMING.idleMs;
  const absolute = absoluteMsOf(remembered);
  const s: ModelSession = {
    n: w.sessions.length, userId, userAgent: ex.userAgent ?? '', remembered, createdAt: Number(body?.createdAt),
    current: token, issued: { lo: t0, hi: t1 }, issuedStep: ex.step, ids: [id], absolute: { lo: t0 + absolute, hi: t1 + absolute },
    idle: { lo: t0 + idle, hi: t1 + idle }, fields: {},
  };
  w.sessions.push(s);
  w.tokens[token] = { session: s.n };
}
