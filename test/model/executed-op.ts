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
 * delete, which other operations of a concurrent group can fall between.
 */
export interface OpMoment {
  ex: ExecutedOp;
  part: 'whole' | 'revoke-list' | 'revoke-delete';
}

export function momentsOf(ex: ExecutedOp): OpMoment[] {
  return ex.op.kind === 'revoke' ? [{ ex, part: 'revoke-list' }, { ex, part: 'revoke-delete' }] : [{ ex, part: 'whole' }];
}
