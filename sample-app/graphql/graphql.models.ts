import { Field, ObjectType } from '@nestjs/graphql';

/** What the login mutation answers: the same fields as POST /auth/login. */
@ObjectType()
export class LoginResult {
  @Field()
  userId!: string;

  /** ISO 8601. */
  @Field()
  expiresAt!: string;
}

/** The signed-in user, as GET /me shows it. */
@ObjectType()
export class Me {
  @Field()
  userId!: string;

  @Field()
  username!: string;

  @Field()
  device!: string;
}

/** One event of the caller's user's sessions (the `sessionEvents` subscription). */
@ObjectType()
export class SessionEventMessage {
  /** created, invalidated, rotated, expired, evicted. */
  @Field()
  type!: string;

  /** The session it is about. */
  @Field()
  sessionId!: string;
}
