import { Injectable, MessageEvent } from '@nestjs/common';
import { ActiveSession, SessionEvent, SessionEvents, SessionService } from 'nestjs-redis-session';
import {
  catchError, concatMap, defer, exhaustMap, filter, finalize, from, map, Observable, of, takeUntil, takeWhile, timer,
} from 'rxjs';

/**
 * How often an open stream asks Redis whether its session still exists. Events are the fast path; this bounds how
 * long a stream outlives its session when an event is missed (subscriber reconnecting, notifications off, a
 * cache that vouched for a session already ended): at most one interval plus one Redis round trip.
 */
export const SESSION_RECHECK_MS = 1000;

/** Event types that mean "this session is over" when they carry its id. */
const ENDING_TYPES: ReadonlySet<SessionEvent['type']> = new Set(['invalidated', 'expired', 'evicted']);

/** What to do with one event: forward it, forward it as the stream's last, or end the stream without it. */
type Step = { kind: 'forward' | 'last'; event: SessionEvent } | { kind: 'end' };

/**
 * The live streams behind GET /events. Each one carries the events of its caller's user and lives exactly as long
 * as the caller's session: it completes (so Nest ends the response) when the session ends, however it ended, and
 * its timer and subscription are torn down when the client leaves.
 */
@Injectable()
export class SessionEventStreams {
  private openCount = 0;

  constructor(
    private readonly events: SessionEvents,
    private readonly sessions: SessionService,
  ) {}

  /** Streams currently open on this instance (each one holds a timer and a subscription until it ends). */
  get open(): number {
    return this.openCount;
  }

  /** The stream for one request: `session` is what the guard resolved. */
  streamFor(session: ActiveSession): Observable<MessageEvent> {
    return defer(() => {
      this.openCount++;
      const endsThis = (e: SessionEvent) => ENDING_TYPES.has(e.type) && e.id === session.id;
      // Without sliding: an open tab is not activity, and must not keep an idle session alive.
      // A failed read counts as "ended": a stream that cannot confirm its session fails closed.
      const alive = () => defer(() => from(this.sessions.exists(session))).pipe(
        catchError(() => of(false)),
      );
      const ended$ = timer(0, SESSION_RECHECK_MS).pipe(exhaustMap(alive), filter((isAlive) => !isAlive));
      return this.events.events$.pipe(
        // Its own ending first: an `evicted` event may have lost the user id along with the session.
        filter((e) => endsThis(e) || (e.userId === session.userId && e.type !== 'refreshed')),
        // Each event is forwarded only once Redis confirms the session still exists: after a logout-all, say, the
        // other devices' events must not reach a stream whose own session is already gone. Its own ending is told
        // as the last event (the client learns why the stream closed).
        concatMap((e): Observable<Step> =>
          endsThis(e) ? of({ kind: 'last', event: e }) : alive().pipe(map((ok): Step => (ok ? { kind: 'forward', event: e } : { kind: 'end' })))),
        takeWhile((step): step is Exclude<Step, { kind: 'end' }> => step.kind !== 'end'),
        takeWhile((step) => step.kind !== 'last', true),
        map(({ event }) => ({ type: event.type, data: event })),
        takeUntil(ended$),
        finalize(() => this.openCount--),
      );
    });
  }
}
