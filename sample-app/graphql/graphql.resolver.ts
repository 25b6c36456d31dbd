import { UseGuards } from '@nestjs/common';
import { Args, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { GraphQLError } from 'graphql';
import { ActiveSession, PublicRoute, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import { map } from 'rxjs';
import { LoginDto } from '../auth/login.dto';
import { SignInService } from '../auth/sign-in.service';
import { SessionEventStreams } from '../events/session-event-streams';
import type { SampleSessionData } from '../sample-session';
import { asyncIterator } from './async-iterator';
import { LoginResult, Me, SessionEventMessage } from './graphql.models';

/**
 * The auth flow of AuthController and GET /me, as GraphQL. Cookie writes need no `res`: login is a @PublicRoute(),
 * in whose sign-in slot SessionService.create() finds the response; destroy() finds the request SessionGuard let
 * through.
 */
@Resolver()
@UseGuards(SessionGuard)
export class SessionGraphQLResolver {
  constructor(
    private readonly signIns: SignInService,
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
    const signedIn = await this.signIns.signIn(input);
    if (!signedIn) throw new GraphQLError('Invalid username or password', { extensions: { code: 'UNAUTHENTICATED' } });
    return signedIn;
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
