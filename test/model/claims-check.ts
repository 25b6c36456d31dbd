import type { EndEventRecord } from './claim-recorder';
import type { Deployment } from './deployment';
import { describeSession, EndCause, ModelSession, sessionAlive, Window, World } from './reference-model';
import { Violation } from './violation';

/** Redis reports an expiry when it gets round to deleting the key: up to a few active-expire cycles (hz 10) late. */
const EXPIRY_REPORT_LAG_MS = 300;

/** When the end was published: during the ending request, or (expiry) from the deadline until Redis reported it. */
function reportWindow(s: ModelSession): Window {
  const { at, causes } = s.ended!;
  return { lo: at.lo, hi: at.hi + (causes.includes('expired') ? EXPIRY_REPORT_LAG_MS : 0) };
}

/** Ends published while subscribers were being killed may have reached no instance: those may go unreported. */
const mayBeUnreported = (s: ModelSession, d: Deployment) => d.killer.mayHaveLost(reportWindow(s));

const matches = (r: EndEventRecord, cause: EndCause) =>
  cause === 'expired' ? r.type === 'expired' : r.type === 'invalidated' && r.detail === cause;

const show = (r: EndEventRecord) => `${r.type}${r.detail ? `/${r.detail}` : ''} of ${r.id}${r.won ? ` won by ${r.instance}` : ` seen by ${r.instance}`}`;

/** Ended sessions whose event has not been claimed yet, or not been seen by both instances yet. */
export function endsToWaitFor(w: World, d: Deployment): { unclaimed: ModelSession[]; unseen: ModelSession[] } {
  const records = d.claims.records;
  const ended = w.sessions.filter((s) => s.ended && !mayBeUnreported(s, d));
  const mine = (s: ModelSession) => records.filter((r) => s.ids.includes(r.id));
  return {
    unclaimed: ended.filter((s) => !mine(s).some((r) => r.won)),
    unseen: ended.filter((s) => !(['A', 'B'] as const).every((i) => mine(s).some((r) => r.instance === i))),
  };
}

/**
 * Invariant 4 against one world: each ended session has exactly one won claim, of the kind it ended by; no event
 * (type, id) is won twice; a live session has none (except an expiry that may have happened since it was probed);
 * every claim names a session the model knows; and no session changed its public id except by regenerate.
 */
export function checkClaims(w: World, d: Deployment): Violation | undefined {
  const wins = d.claims.wins();
  const problems: string[] = [];
  const byEvent = new Map<string, EndEventRecord[]>();
  for (const r of wins) byEvent.set(`${r.type} ${r.id}`, [...(byEvent.get(`${r.type} ${r.id}`) ?? []), r]);
  for (const [event, rs] of byEvent) {
    if (rs.length > 1) problems.push(`event "${event}" was claimed ${rs.length} times (by ${rs.map((r) => r.instance).join(', ')})`);
  }
  const now = Date.now();
  for (const s of w.sessions) {
    const mine = wins.filter((r) => s.ids.includes(r.id));
    if (!s.ended) {
      const mayHaveExpired = sessionAlive(s, now, now) !== 'yes';
      if (mine.length > 0 && !(mine.length === 1 && mine[0].type === 'expired' && mayHaveExpired)) {
        problems.push(`live ${describeSession(s)} had its end claimed: ${mine.map(show).join('; ')}`);
      }
      continue;
    }
    const how = s.ended.causes.join(' or ');
    if (mine.length === 0 && !mayBeUnreported(s, d)) problems.push(`${describeSession(s)}: no instance claimed its end (${how})`);
    if (mine.length > 1) problems.push(`${describeSession(s)}: its end was claimed ${mine.length} times: ${mine.map(show).join('; ')}`);
    if (mine.length === 1 && !s.ended.causes.some((c) => matches(mine[0], c))) {
      problems.push(`${describeSession(s)}: claimed as ${show(mine[0])}, but it ended by ${how}`);
    }
  }
  const unknown = wins.filter((r) => !w.sessions.some((s) => s.ids.includes(r.id)));
  if (unknown.length > 0) problems.push(`claims for public ids no session showed: ${unknown.map(show).join('; ')}`);
  for (const u of w.unexplainedIds) {
    problems.push(`S${u.session}'s public id changed from ${u.was} to ${u.id} without a regenerate (seen at step ${u.step})`);
  }
  return problems.length > 0 ? new Violation('events', problems.join('\n    ')) : undefined;
}
