import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { AppModule } from './app.module.js';
import { startTelemetry } from './telemetry.js';

async function bootstrap() {
  startTelemetry();
  const app = await NestFactory.create(AppModule);
  app.useWebSocketAdapter(new WsAdapter(app));
  app.enableShutdownHooks();
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(process.env.PORT ?? 3000, host);
  console.log(`listening on ${await app.getUrl()}`);
}
await bootstrap();
