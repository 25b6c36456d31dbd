import { Controller, MessageEvent, Req, Sse, UnauthorizedException, UseGuards } from '@nestjs/common';
import { Observable } from 'rxjs';
import { ActiveSession, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import { SessionEventStreams } from './session-event-streams';

type GuardedRequest = Parameters<SessionService['tokenFrom']>[0];

/**
 * GET /events: a Server-Sent Events stream of what happens to the caller's sessions (all of that user's
 * devices, nobody else's). `event:` is the type, `data:` the event as JSON. Events never carry a token or its hash.
 * The stream ends within 2 s of the caller's own session ending (see SessionEventStreams).
 */
@Controller('events')
@UseGuards(SessionGuard)
export class EventsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly streams: SessionEventStreams,
  ) {}

  @Sse()
  stream(@Session() session: ActiveSession, @Req() req: GuardedRequest): Observable<MessageEvent> {
    // The guard let the request in, so it carried a token; re-checks ask Redis about that same token.
    const token = this.sessions.tokenFrom(req);
    if (!token) throw new UnauthorizedException();
    return this.streams.streamFor(session, token);
  }
}
