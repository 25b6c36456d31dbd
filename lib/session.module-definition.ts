import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SessionModuleOptions } from './options/session.options';

/** The builder call and nothing else: it generates forRoot / forRootAsync and the raw options token. */
export const { ConfigurableModuleClass: ConfigurableSessionModule, MODULE_OPTIONS_TOKEN: SESSION_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<SessionModuleOptions>({ moduleName: 'Session' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
