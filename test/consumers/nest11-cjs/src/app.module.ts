import { Module } from '@nestjs/common';
import { SessionModule } from 'nestjs-redis-session';
import { AuthController } from './auth.controller';
import { UsersService } from './users.service';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

@Module({
  imports: [SessionModule.forRoot({ redis: requiredEnv('REDIS_URL'), idleTimeoutSeconds: 1800 })],
  controllers: [AuthController],
  providers: [UsersService],
})
export class AppModule {}
