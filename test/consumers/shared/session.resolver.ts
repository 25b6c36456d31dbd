import { UseGuards } from '@nestjs/common';
import { Args, Field, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { PublicRoute, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import type { ActiveSession } from 'nestjs-redis-session';
import type { AppSessionData } from './auth.controller.js';
import { UsersService } from './users.service.js';

@ObjectType()
export class LoginResult {
  @Field(() => String)
  userId: string;

  @Field(() => String)
  expiresAt: string;
}

@ObjectType()
export class Me {
  @Field(() => String)
  userId: string;

  @Field(() => String)
  device: string;
}

/** The README's GraphQL example: login and logout as mutations, no `res` anywhere. */
@Resolver()
@UseGuards(SessionGuard)
export class SessionResolver {
  constructor(
    private readonly sessions: SessionService<AppSessionData>,
    private readonly users: UsersService,
  ) {}

  @Mutation(() => LoginResult)
  @PublicRoute()
  async login(
    @Args('username', { type: () => String }) username: string,
    @Args('password', { type: () => String }) password: string,
    @Args('device', { type: () => String, nullable: true }) device?: string,
  ): Promise<LoginResult> {
    const user = this.users.verify(username, password);
    if (!user) throw new GraphQLError('Invalid username or password', { extensions: { code: 'UNAUTHENTICATED' } });
    const session = await this.sessions.create({ userId: user.id, device: device ?? undefined }); // sets the cookie
    return { userId: session.userId, expiresAt: session.expiresAt.toISOString() };
  }

  @Query(() => Me)
  me(@Session() session: ActiveSession<AppSessionData>): Me {
    return { userId: session.userId, device: session.device };
  }

  @Mutation(() => Boolean)
  async logout(@Session() session: ActiveSession<AppSessionData>): Promise<boolean> {
    await this.sessions.destroy(session); // clears the cookie
    return true;
  }
}
