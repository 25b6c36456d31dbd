import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { SessionHealthIndicator } from 'nestjs-redis-session';

@Controller('health')
export class HealthController {
  constructor(private readonly indicator: SessionHealthIndicator) {}

  /** The contract's liveness answer: is the session store reachable. */
  @Get()
  async health() {
    if (!(await this.indicator.isRedisUp())) {
      throw new ServiceUnavailableException({ status: 'error', redis: 'down' });
    }
    return { status: 'ok', redis: 'up' };
  }

  /**
   * Everything the library knows: subscriber state, cache mode, Redis readiness risks (terminus-shaped). 503 with
   * the same body while Redis is down, as terminus answers a failed check: a monitor reads the status code.
   */
  @Get('details')
  async details() {
    const result = await this.indicator.isHealthy('session');
    if (result.session.status !== 'up') throw new ServiceUnavailableException(result);
    return result;
  }
}
