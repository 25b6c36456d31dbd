import { Test, TestingModule } from '@nestjs/testing';
import { SessionModule, SessionModuleOptions, SessionService } from 'nestjs-redis-session';

/** SessionModule alone, booted in-process, for specs that call SessionService directly (no HTTP). */
export interface RunningSessionModule {
  module: TestingModule;
  service: SessionService<Record<string, any>>;
  close(): Promise<void>;
}

export async function startSessionModule(options: SessionModuleOptions): Promise<RunningSessionModule> {
  const module = await Test.createTestingModule({ imports: [SessionModule.forRoot(options)] }).compile();
  await module.init();
  return {
    module,
    service: module.get(SessionService),
    close: () => module.close(),
  };
}
