import { Injectable } from '@nestjs/common';
import { SessionService } from 'nestjs-redis-session';
import type { SampleSessionData } from '../sample-session';
import { UsersService } from '../users/users.service';
import type { LoginDto } from './login.dto';

/** What a sign-in answers, over REST and GraphQL alike. */
export interface SignedIn {
  userId: string;
  expiresAt: string;
}

/**
 * The one sign-in of the sample app, behind POST /auth/login and the GraphQL login mutation, so both apply the same
 * rules. Always starts a new session; a cookie sent along names a session that is ended (fixation). At
 * SESSION_MAX_PER_USER with SESSION_ON_LIMIT=refuse the library throws SessionLimitError (409, CONFLICT).
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService<SampleSessionData>,
  ) {}

  /** Signs the user in, setting the cookie on this request's response; null when the credentials are wrong. */
  async signIn(input: LoginDto): Promise<SignedIn | null> {
    const user = this.users.verify(input.username, input.password);
    if (!user) return null;
    const session = await this.sessions.create({
      userId: user.id,
      device: input.device || 'unknown',
      data: { username: user.username },
      remember: input.remember === true,
    });
    return { userId: session.userId, expiresAt: session.expiresAt.toISOString() };
  }
}
