import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(process.env.PORT ?? 3000, host);
  console.log(`listening on ${await app.getUrl()}`);
}
bootstrap();
