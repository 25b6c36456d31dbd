import { Controller, Delete, Get, HttpCode, NotFoundException, Param, UseGuards } from '@nestjs/common';
import { ActiveSession, Session, SessionGuard, SessionService } from 'nestjs-redis-session';

@Controller('sessions')
@UseGuards(SessionGuard)
export class SessionsController {
  constructor(private readonly sessions: SessionService) {}

  /** The caller's devices. */
  @Get()
  async list(@Session() s: ActiveSession) {
    const list = await this.sessions.list(s.userId, s);
    return list.map((x) => ({
      id: x.id,
      device: x.device,
      createdAt: x.createdAt.toISOString(),
      lastSeenAt: x.lastSeenAt.toISOString(),
      current: x.current,
    }));
  }

  /** Signs one of the caller's devices out. Another user's session id is simply "not found". */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Session('userId') userId: string, @Param('id') id: string) {
    if (!(await this.sessions.revoke(userId, id))) throw new NotFoundException('No such session');
  }
}
