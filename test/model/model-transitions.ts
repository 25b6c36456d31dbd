import type { ExecutedOp, OpMoment } from './executed-op';
import type { InstanceName } from './model-app';
import type { AuthOutcome } from './model-auth';
import { guarded } from './model-guarded';
import { applyLogin } from './model-login';
import { applyList, applyRevokeDelete, applyRevokeList } from './model-listing';
import { FIELDS } from './operations';
import {
  cloneWorld, deadline, describeSession, endSession, killToken, ModelConfig, noteId, sessionAlive, sessionsOfUser, tokensOf,
  tokenValid, World, Write,
} from './reference-model';
import { TIMING } from './model-options';
import { Violation } from './violation';

/**
 * Applies one moment of an executed operation to one world of the model: the worlds consistent with what was
 * observed, or the violation that rules this world out.
 */
export function applyOp(w: World, cfg: ModelConfig, moment: OpMoment): World[] | Violation {
  const { ex, part } = moment;
  const { op } = ex;
  const obs = part === 'revoke-list' ? ex.list : ex.obs;
  if (!obs) return [w];
  if (obs.status >= 500) return new Violation('no5xx', `answered ${obs.status}: ${JSON.stringify(obs.body)}`);
  w = settleExpired(w, obs.t0, ex.step);
  if (part === 'revoke-list') return applyRevokeList(w, cfg, ex);
  switch (op.kind) {
    case 'login':
    case 'audit-login':
      return applyLogin(w, cfg, ex, part);
    case 'list':
    case 'audit-list':
      return applyList(w, cfg, ex);
    case 'revoke':
      return applyRevokeDelete(w, cfg, ex);
    case 'thief':
      return applyThief(w, ex);
    default:
      return guarded(w, cfg, ex, (o) => effectOf(o, cfg, ex));
  }
}

function effectOf(o: AuthOutcome, cfg: ModelConfig, ex: ExecutedOp): Violation | void {
  const { world: w, session: n } = o;
  const obs = ex.obs!;
  const s = w.sessions[n!];
  switch (ex.op.kind) {
    case 'read':
    case 'bearer':
    case 'probe':
    case 'replay':
      return checkRead(w, cfg, ex, n!);
    case 'write':
    case 'unset': {
      const write: Write = { value: ex.op.kind === 'write' ? ex.value! : null, t0: obs.t0, t1: obs.t1, instance: ex.op.on, step: ex.step };
      (s.fields[ex.op.field] ??= []).push(write);
      return;
    }
    case 'logout':
      return endSession(w, n!, 'logout', obs.t0, obs.t1, ex.step);
    case 'logout-all':
      for (const other of sessionsOfUser(w, s.userId)) {
        if (sessionAlive(other, obs.t0, obs.t1) !== 'no') endSession(w, other.n, 'logout-all', obs.t0, obs.t1, ex.step);
      }
      return;
    case 'logout-others': {
      const others = sessionsOfUser(w, s.userId).filter((x) => x.n !== n && sessionAlive(x, obs.t0, obs.t1) !== 'no');
      const sure = others.filter((x) => sessionAlive(x, obs.t0, obs.t1) === 'yes').length;
      const ended = obs.body?.ended;
      if (typeof ended !== 'number' || ended < sure || ended > others.length) {
        return new Violation('conformance', `logout-others reported ${ended} sessions ended; the model expects ${sure} to ${others.length}`);
      }
      for (const other of others) endSession(w, other.n, 'logout-others', obs.t0, obs.t1, ex.step);
      return;
    }
    case 'regenerate': {
      const token = obs.setTokens.at(-1);
      if (!token || w.tokens[token]) return new Violation('conformance', 'regenerate answered 200 without a new token');
      if (obs.body?.createdAt !== s.createdAt) return new Violation('conformance', `regenerate answered another session: ${JSON.stringify(obs.body)}`);
      // Every earlier token dies at once: regenerate follows a privilege change.
      for (const t of tokensOf(w, n!)) killToken(w, t, ex.step);
      w.tokens[token] = { session: n! };
      s.current = token;
      s.issued = { lo: obs.t0, hi: obs.t1 };
      s.issuedStep = ex.step;
      noteId(w, n!, String(obs.body?.id), ex.step, true);
      return;
    }
  }
}

/** GET /me: the right session, and every field holds the last acknowledged write (or one allowed to be stale). */
function checkRead(w: World, cfg: ModelConfig, ex: ExecutedOp, n: number): Violation | void {
  const s = w.sessions[n];
  const { body, t0 } = ex.obs!;
  if (body?.userId !== s.userId || (s.createdAt !== undefined && body?.createdAt !== s.createdAt)) {
    return new Violation('conformance', `the token of ${describeSession(s)} answered as ${JSON.stringify(body)}`);
  }
  noteId(w, n, String(body.id), ex.step, false);
  const data = (body.data ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(data)) {
    if (!(FIELDS as readonly string[]).includes(name)) return new Violation('conformance', `unknown field ${name} in ${JSON.stringify(data)}`);
  }
  for (const field of FIELDS) {
    const history = s.fields[field] ?? [];
    const seen = (data[field] ?? null) as string | null;
    const allowed = allowedValues(history, t0, (ex.op as { on: InstanceName }).on, cfg);
    if (!allowed.has(seen)) {
      const writes = history.map((h) => `${h.value ?? '(unset)'}@${h.instance} step ${h.step}`).join(', ') || 'none';
      return new Violation('lostWrite', `${describeSession(s)} field ${field} read ${seen ?? '(unset)'}; allowed: ${[...allowed].map((v) => v ?? '(unset)').join(' | ')}; acknowledged writes: ${writes}`);
    }
  }
}

/**
 * The values a read may return: the latest acknowledged one; with the events-mode cache, also older ones that were
 * still current within maxStalenessMs, unless a write through the reading instance (which drops its own cached
 * copy) completed after them.
 */
export function allowedValues(history: Write[], readT0: number, instance: InstanceName, cfg: ModelConfig): Set<string | null> {
  const allowed = new Set<string | null>([history.length > 0 ? history[history.length - 1].value : null]);
  if (cfg.cache !== 'events') return allowed;
  for (let k = history.length - 2; k >= -1; k--) {
    const next = history[k + 1];
    if (next.t1 <= readT0 - TIMING.maxStalenessMs) break;
    if (next.instance === instance && next.t1 <= readT0) break;
    allowed.add(k >= 0 ? history[k].value : null);
  }
  return allowed;
}

/**
 * A thief replays a browser's cookie with another User-Agent: always refused, and the session it names ends
 * (hijack suspected) unless the token was already dead.
 */
function applyThief(w: World, ex: ExecutedOp): World[] | Violation {
  const obs = ex.obs!;
  if (obs.status !== 401) return new Violation('resurrection', `a request with a stolen cookie and another User-Agent answered ${obs.status}`);
  if (obs.setTokens.length > 0) return new Violation('resurrection', 'a request with a stolen cookie got a new token');
  const tok = obs.sentToken === undefined ? undefined : w.tokens[obs.sentToken];
  if (!tok) return [w];
  const valid = tokenValid(tok, obs.t0, obs.t1);
  const alive = sessionAlive(w.sessions[tok.session], obs.t0, obs.t1);
  if (valid === 'no' || alive === 'no') return [w];
  const worlds: World[] = [];
  const hijacked = cloneWorld(w);
  endSession(hijacked, tok.session, 'hijack-suspected', obs.t0, obs.t1, ex.step);
  worlds.push(hijacked);
  if (valid === 'maybe') {
    const tokenDead = cloneWorld(w);
    killToken(tokenDead, obs.sentToken!, ex.step);
    worlds.push(tokenDead);
  }
  return worlds;
}

/** Sessions certainly past their deadline by `t` are ended (expired), so that later checks see them as such. */
export function settleExpired(w: World, t: number, step: number): World {
  const due = w.sessions.filter((s) => !s.ended && t > deadline(s).hi + TIMING.slackMs);
  if (due.length === 0) return w;
  const next = cloneWorld(w);
  for (const s of due) endSession(next, s.n, 'expired', deadline(s).lo, deadline(s).hi, step);
  return next;
}
