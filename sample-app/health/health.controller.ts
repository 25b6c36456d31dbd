import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { SessionService } from 'nestjs-redis-session';

@Controller('health')
export class HealthController {
  constructor(private readonly sessions: SessionService) {}

  @Get()
  async health() {
    if (!(await this.sessions.isRedisUp())) {
      throw new ServiceUnavailableException({ status: 'error', redis: 'down' });
    }
    return { status: 'ok', redis: 'up' };
  }
}
