import { Injectable } from '@nestjs/common';

export interface User {
  id: string;
  username: string;
}

/** A stand-in user store. */
@Injectable()
export class UsersService {
  private readonly users = new Map([
    ['alice', { id: 'u-alice', username: 'alice', password: 'alice-pass' }],
    ['bob', { id: 'u-bob', username: 'bob', password: 'bob-pass' }],
  ]);

  verify(username: string, password: string): User | null {
    const user = this.users.get(username);
    return user && user.password === password ? { id: user.id, username: user.username } : null;
  }
}
