import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';

export interface DemoUser {
  id: string;
  username: string;
}

/** The demo's user directory. A real app checks a password hash from its database here. */
@Injectable()
export class UsersService {
  private readonly users = [
    { id: 'u1', username: 'alice', password: 'alice-pass' },
    { id: 'u2', username: 'bob', password: 'bob-pass' },
  ];

  verify(username: string, password: string): DemoUser | null {
    const user = this.users.find((u) => u.username === username);
    if (!user) return null;
    const a = Buffer.from(password);
    const b = Buffer.from(user.password);
    return a.length === b.length && timingSafeEqual(a, b) ? { id: user.id, username: user.username } : null;
  }
}
