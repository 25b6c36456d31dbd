import {
  cloneWorld, describeSession, endSession, killToken, ModelConfig, registerRotation, sessionAlive, slide, tokenValid,
  World,
} from './reference-model';
import { Violation } from './violation';

/** What the model needs of one guarded request. */
export interface GuardedRequest {
  token?: string;
  t0: number;
  t1: number;
  step: number;
  /** New tokens the response set for the request's own session (a rotation). */
  rotationTokens: string[];
  /**
   * The answer says only that the guard let the request in (reads, logouts, listings): the guard may have run just
   * before an operation of the same concurrent group ended the session, and the handler just after.
   */
  guardOnly: boolean;
}

export interface AuthOutcome {
  world: World;
  /** The session the token named, when the model knows one. */
  session?: number;
}

const short = (token: string) => `${token.slice(0, 8)}…`;

/**
 * Checks the guard's verdict on a request against the model and returns the worlds it leaves (more than one when
 * the model could not tell whether the session had expired or only the token had run out of grace).
 * Accepted: the token and its session must possibly be valid; the session's idle expiry slides.
 * Refused: either must possibly be invalid; what the refusal proves is recorded (expired, or token dead).
 */
export function authenticate(w: World, cfg: ModelConfig, req: GuardedRequest, accepted: boolean): AuthOutcome[] | Violation {
  if (req.token === undefined || !w.tokens[req.token]) {
    if (accepted) return new Violation('conformance', `a request with ${req.token ? `unknown token ${short(req.token)}` : 'no cookie'} was accepted`);
    if (req.rotationTokens.length > 0) return new Violation('conformance', 'a refused request without a known token got a new token');
    return [{ world: w }];
  }
  return accepted ? accept(w, cfg, req, req.token) : refuse(w, req, req.token);
}

function accept(w: World, cfg: ModelConfig, req: GuardedRequest, token: string): AuthOutcome[] | Violation {
  const tok = w.tokens[token];
  const n = tok.session;
  const s = w.sessions[n];
  const valid = tokenValid(tok, req.t0, req.t1);
  const alive = sessionAlive(s, req.t0, req.t1);
  if (valid !== 'no' && alive !== 'no') {
    const next = cloneWorld(w);
    slide(next, n, req.t0, req.t1, cfg);
    registerRotation(next, n, req.rotationTokens, req.t0, req.t1, req.step);
    return [{ world: next, session: n }];
  }
  // Let in just before a concurrent operation of this very step ended the session or replaced the token.
  const endedNow = s.ended?.step === req.step;
  const diedNow = tok.dead === true && tok.diedAt === req.step;
  if (req.guardOnly && (alive !== 'no' || endedNow) && (valid !== 'no' || diedNow || endedNow)) {
    const next = cloneWorld(w);
    registerRotation(next, n, req.rotationTokens, req.t0, req.t1, req.step, true);
    return [{ world: next, session: n }];
  }
  if (alive === 'no') {
    return new Violation('resurrection', `${describeSession(s)} was accepted (token ${short(token)}) although it had ended or passed its deadline`);
  }
  return new Violation('resurrection', `token ${short(token)} of ${describeSession(s)} was accepted after it was replaced (regenerate, or rotation grace over)`);
}

function refuse(w: World, req: GuardedRequest, token: string): AuthOutcome[] | Violation {
  const tok = w.tokens[token];
  const n = tok.session;
  const s = w.sessions[n];
  const valid = tokenValid(tok, req.t0, req.t1);
  const alive = sessionAlive(s, req.t0, req.t1);
  // A new token on a refused request: the guard did accept and rotate, then the handler found the session gone.
  const guardAccepted = req.rotationTokens.length > 0;
  if (valid === 'yes' && alive === 'yes') {
    return new Violation('conformance', `${describeSession(s)} was refused (token ${short(token)}) although it is live and the token valid`);
  }
  if (alive === 'no' || valid === 'no') {
    if (guardAccepted && s.ended === undefined && valid === 'no' && tok.diedAt !== req.step) {
      return new Violation('resurrection', `replaced token ${short(token)} of ${describeSession(s)} obtained a new token`);
    }
    const next = cloneWorld(w);
    if (s.ended === undefined && alive === 'no') endSession(next, n, 'expired', req.t0, req.t1, req.step);
    if (valid === 'no') killToken(next, token, req.step);
    registerRotation(next, n, req.rotationTokens, req.t0, req.t1, req.step, true);
    return [{ world: next, session: n }];
  }
  const outcomes: AuthOutcome[] = [];
  if (alive === 'maybe') {
    // The session had expired (whatever the token).
    const expired = cloneWorld(w);
    endSession(expired, n, 'expired', req.t0, req.t1, req.step);
    registerRotation(expired, n, req.rotationTokens, req.t0, req.t1, req.step);
    outcomes.push({ world: expired, session: n });
  }
  if (valid === 'maybe' && !guardAccepted) {
    // Only the token ran out of grace; the session lives on.
    const tokenDead = cloneWorld(w);
    killToken(tokenDead, token, req.step);
    outcomes.push({ world: tokenDead, session: n });
  }
  if (outcomes.length === 0) {
    return new Violation('conformance', `${describeSession(s)} was refused after its guard accepted it, although it is live`);
  }
  return outcomes;
}
