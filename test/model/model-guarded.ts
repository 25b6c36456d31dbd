import type { ExecutedOp } from './executed-op';
import { authenticate, AuthOutcome } from './model-auth';
import type { ModelConfig, World } from './reference-model';
import { Violation } from './violation';

/** What an accepted request of each kind must answer. */
const ACCEPTED_STATUS: Record<string, number> = {
  read: 200, bearer: 200, probe: 200, replay: 200, write: 200, unset: 200, logout: 204, 'logout-all': 204, 'logout-others': 200,
  regenerate: 200, list: 200, 'audit-list': 200,
};

/** Answers that only say the guard let the request in: the handler cannot fail once it has. */
const GUARD_ONLY = new Set(['read', 'bearer', 'probe', 'replay', 'logout', 'logout-all', 'logout-others', 'list', 'audit-list', 'revoke']);

/**
 * The common path: the guard's verdict (401 or not) is checked by `authenticate`, then `effect` applies what an
 * accepted request did. New tokens on the response are a rotation, except the last one of a regenerate.
 */
export function guarded(
  w: World, cfg: ModelConfig, ex: ExecutedOp, effect: (o: AuthOutcome) => Violation | void,
): World[] | Violation {
  const obs = ex.obs!;
  const accepted = obs.status !== 401;
  const rotationTokens = ex.op.kind === 'regenerate' && accepted ? obs.setTokens.slice(0, -1) : obs.setTokens;
  // Its client reads no cookie: a rotation would hand it a token it never learns, and end its session after the grace.
  if (ex.op.kind === 'bearer' && obs.setTokens.length > 0) {
    return new Violation('conformance', 'a bearer request was sent a new cookie');
  }
  if (rotationTokens.length > 0 && !cfg.rotation) {
    return new Violation('conformance', `a new token was set although rotation is off (status ${obs.status})`);
  }
  const expected = ACCEPTED_STATUS[ex.op.kind];
  if (accepted && expected !== undefined && obs.status !== expected) {
    return new Violation('conformance', `answered ${obs.status} (expected ${expected} or 401): ${JSON.stringify(obs.body)}`);
  }
  const req = { token: obs.sentToken, t0: obs.t0, t1: obs.t1, step: ex.step, rotationTokens, guardOnly: GUARD_ONLY.has(ex.op.kind) };
  const outcomes = authenticate(w, cfg, req, accepted);
  if (outcomes instanceof Violation) {
    // Invariant 1 covers writes: one to an ended session must be refused, never applied.
    const isWrite = ex.op.kind === 'write' || ex.op.kind === 'unset';
    return isWrite && outcomes.invariant === 'resurrection' ? new Violation('lostWrite', `a write was acknowledged: ${outcomes.message}`) : outcomes;
  }
  if (!accepted) return outcomes.map((o) => o.world);
  for (const o of outcomes) {
    const v = effect(o);
    if (v) return v;
  }
  return outcomes.map((o) => o.world);
}
