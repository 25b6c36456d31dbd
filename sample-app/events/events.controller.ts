import { Controller, MessageEvent, Sse, UseGuards } from '@nestjs/common';
import { filter, map, Observable } from 'rxjs';
import { SessionEvent, SessionEvents, Session, SessionGuard } from 'nestjs-redis-session';

/**
 * GET /events: a Server-Sent Events stream of what happens to the caller's sessions (all of that user's
 * devices, nobody else's). `event:` is the type, `data:` the event as JSON. Events never carry a token or its hash.
 */
@Controller('events')
@UseGuards(SessionGuard)
export class EventsController {
  constructor(private readonly events: SessionEvents) {}

  @Sse()
  stream(@Session('userId') userId: string): Observable<MessageEvent> {
    return this.events.events$.pipe(
      filter((e: SessionEvent) => e.userId === userId && e.type !== 'refreshed'),
      map((e) => ({ type: e.type, data: e })),
    );
  }
}
