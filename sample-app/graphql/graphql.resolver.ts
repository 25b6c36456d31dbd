import { UseGuards } from '@nestjs/common';
import { Args, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { GraphQLError } from 'graphql';
import { ActiveSession, PublicRoute, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import { map } from 'rxjs';
import { LoginDto } from '../auth/login.dto';
import { SessionEventStreams } from '../events/session-event-streams';
import type { SampleSessionData } from '../sample-session';
import { UsersService } from '../users/users.service';
import { asyncIterator } from './async-iterator';
import { LoginResult, Me, SessionEventMessage } from './graphql.models';

/**
 * The auth flow of AuthController and GET /me, as GraphQL. Cookie writes need no `res`: the guard put the request
 * in the library's exchange slot, so SessionService.create() sets the cookie and destroy() clears it.
 */
@Resolver()
@UseGuards(SessionGuard)
export class SessionGraphQLResolver {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService<SampleSessionData>,
    private readonly streams: SessionEventStreams,
  ) {}

  /** POST /auth/login's rules: the same DTO, the same users, a new session each time (fixation). */
  @Mutation(() => LoginResult)
  @PublicRoute()
  async login(
    @Args('username') username: string,
    @Args('password') password: string,
    @Args('device', { nullable: true, type: () => String }) device?: string | null,
    @Args('remember', { nullable: true, type: () => Boolean }) remember?: boolean | null,
  ): Promise<LoginResult> {
    const input = plainToInstance(LoginDto, { username, password, device: device ?? undefined, remember: remember ?? undefined });
    const problems = await validate(input);
    if (problems.length > 0) {
      const messages = problems.flatMap((p) => Object.values(p.constraints ?? {}));
      throw new GraphQLError(messages.join('; '), { extensions: { code: 'BAD_USER_INPUT' } });
    }
    const user = this.users.verify(input.username, input.password);
    if (!user) throw new GraphQLError('Invalid username or password', { extensions: { code: 'UNAUTHENTICATED' } });
    const session = await this.sessions.create({
      userId: user.id,
      device: input.device || 'unknown',
      data: { username: user.username },
      remember: input.remember === true,
    });
    return { userId: session.userId, expiresAt: session.expiresAt.toISOString() };
  }

  /** Public: answers without a session (the guard still runs, and finds none). A baseline for measurements. */
  @Query(() => String)
  @PublicRoute()
  ping(): string {
    return 'pong';
  }

  @Query(() => Me)
  me(@Session() s: ActiveSession<SampleSessionData>): Me {
    return { userId: s.userId, username: s.data.username ?? '', device: s.device };
  }

  @Mutation(() => Boolean)
  async logout(@Session() session: ActiveSession<SampleSessionData>): Promise<boolean> {
    await this.sessions.destroy(session); // clears this request's cookie
    return true;
  }

  /**
   * The events of the caller's user's sessions (as GET /events), over graphql-ws. The connection is authenticated
   * by its cookie (SessionSockets), and closed with 4401 when its session ends.
   */
  @Subscription(() => SessionEventMessage, { resolve: (event: SessionEventMessage) => event })
  sessionEvents(@Session() session: ActiveSession<SampleSessionData>): AsyncIterableIterator<SessionEventMessage> {
    return asyncIterator(this.streams.streamFor(session).pipe(map((m) => ({ type: String(m.type), sessionId: (m.data as { id: string }).id }))));
  }
}
