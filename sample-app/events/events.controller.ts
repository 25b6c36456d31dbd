import { Controller, MessageEvent, Sse, UseGuards } from '@nestjs/common';
import { Observable } from 'rxjs';
import { Session, SessionGuard } from 'nestjs-redis-session';
import type { ActiveSession } from 'nestjs-redis-session';
import { SessionEventStreams } from './session-event-streams';

/**
 * GET /events: a Server-Sent Events stream of what happens to the caller's sessions (all of that user's
 * devices, nobody else's). `event:` is the type, `data:` the event as JSON. Events never carry a token or its hash.
 * The stream ends within 2 s of the caller's own session ending (see SessionEventStreams).
 */
@Controller('events')
@UseGuards(SessionGuard)
export class EventsController {
  constructor(private readonly streams: SessionEventStreams) {}

  @Sse()
  stream(@Session() session: ActiveSession): Observable<MessageEvent> {
    return this.streams.streamFor(session);
  }
}
