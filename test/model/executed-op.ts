import type { SweepReport } from 'nestjs-redis-session';
import type { HttpObservation } from './browser';
import type { AnyOp } from './operations';

/** An operation as it ran: what was sent and what came back. The model checks these, never the op alone. */
export interface ExecutedOp {
  op: AnyOp;
  /** Index of the step in the run (end-of-run audits continue the count). */
  step: number;
  /** The request that decides the outcome (revoke: its DELETE); absent for waits and kills. */
  obs?: HttpObservation;
  /** Revoke: the GET /sessions it picked its target from. */
  list?: HttpObservation;
  /** Revoke: the entry of that list it revoked. */
  target?: { id: string; createdAt: number };
  /** Write: the value sent (unique per run, so a read names the write it saw). */
  value?: string;
  /** The User-Agent the request carried (a login binds the new session to it). */
  userAgent?: string;
  sweep?: SweepReport;
}

/**
 * One atomic moment of an executed operation, as the model orders them. A revoke has two, its listing and its
 * delete; a login with another user's cookie two, that session's end and the create; other operations of a
 * concurrent group can fall between them.
 */
export interface OpMoment {
  ex: ExecutedOp;
  part: 'whole' | 'revoke-list' | 'revoke-delete' | 'login-previous' | 'login-create';
}

export function momentsOf(ex: ExecutedOp): OpMoment[] {
  if (ex.op.kind === 'revoke') return [{ ex, part: 'revoke-list' }, { ex, part: 'revoke-delete' }];
  // A login ends another user's session its cookie names in a Redis call of its own, before the create script.
  if (ex.op.kind === 'login' && ex.obs?.sentToken !== undefined) return [{ ex, part: 'login-previous' }, { ex, part: 'login-create' }];
  return [{ ex, part: 'whole' }];
}
