import { Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import {
  SESSION_ENDED_CLOSE_CODE,
  Session,
  SessionGuard,
  SessionModule,
  SessionService,
  SessionEvents,
  SessionSockets,
} from 'nestjs-redis-session';
import { firstValueFrom, filter } from 'rxjs';
import { SessionResolver } from '../../lib/session.resolver';
import { startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';

@WebSocketGateway()
class ChatGateway implements OnGatewayConnection {
  constructor(private readonly sockets: SessionSockets) {}

  handleConnection(client: WebSocket, request: IncomingMessage) {
    return this.sockets.attach(client as never, request);
  }

  @UseGuards(SessionGuard)
  @SubscribeMessage('whoami')
  whoami(@Session('userId') userId: string) {
    return { event: 'me', data: userId };
  }
}

const opened = (ws: WebSocket) => new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
const nextMessage = (ws: WebSocket) => new Promise<any>((resolve) => ws.once('message', (m) => resolve(JSON.parse(String(m)))));

// The guard and @Session() in a WebSocket gateway, and a socket cut off the moment its session ends.
describe('WebSocket gateway', () => {
  let redis: TestRedis;
  let app: Awaited<ReturnType<typeof NestFactory.create>>;
  let wsUrl: string;
  let service: SessionService;

  beforeAll(async () => {
    redis = await startTestRedis();
    @Module({
      imports: [SessionModule.forRoot({ redis: redis.url, keyPrefix: uniquePrefix('ws'), checkRedisAtBoot: false })],
      providers: [ChatGateway],
    })
    class WsModule {}
    app = await NestFactory.create(WsModule, new ExpressAdapter(), { logger: false, abortOnError: false });
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.listen(0, '127.0.0.1');
    wsUrl = (await app.getUrl()).replace('http', 'ws').replace('[::1]', '127.0.0.1');
    service = app.get(SessionService);
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
  });

  it('authenticates the handshake cookie and gives handlers the session', async () => {
    const { token } = await service.issue({ userId: 'ws-user' });
    const ws = new WebSocket(wsUrl, { headers: { cookie: `sid=${token}` } });
    await opened(ws);
    const reply = nextMessage(ws);
    ws.send(JSON.stringify({ event: 'whoami', data: {} }));
    expect(await reply).toEqual({ event: 'me', data: 'ws-user' });
    const done = closed(ws);
    ws.close();
    await done;
  });

  it('closes a socket without a valid session with code 4401', async () => {
    const ws = new WebSocket(wsUrl, { headers: { cookie: 'sid=junk' } });
    expect(await closed(ws)).toBe(SESSION_ENDED_CLOSE_CODE);
  });

  it('disconnects the client as soon as its session is invalidated', async () => {
    const { token, session } = await service.issue({ userId: 'ws-user-2' });
    const ws = new WebSocket(wsUrl, { headers: { cookie: `sid=${token}` } });
    await opened(ws);
    const code = closed(ws);
    const started = performance.now();
    expect(await service.revoke('ws-user-2', session.id)).toBe(true);
    expect(await code).toBe(SESSION_ENDED_CLOSE_CODE);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  // The session ends after Redis answered the handshake's touch but before attach() follows the session's events:
  // its 'invalidated' event is heard first. Seeded by running the revoke right there.
  it('disconnects a client whose session ends while its handshake is being authenticated', async () => {
    const { token, session } = await service.issue({ userId: 'ws-user-3' });
    const resolver = app.get(SessionResolver);
    const resolve = resolver.resolve.bind(resolver);
    const spy = jest.spyOn(resolver, 'resolve').mockImplementationOnce(async (...args) => {
      const found = await resolve(...args);
      const heard = firstValueFrom(app.get(SessionEvents).events$.pipe(filter((e) => e.id === session.id)));
      await service.revoke('ws-user-3', session.id);
      await heard;
      return found;
    });
    const ws = new WebSocket(wsUrl, { headers: { cookie: `sid=${token}` } });
    try {
      expect(await closed(ws)).toBe(SESSION_ENDED_CLOSE_CODE);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
      ws.terminate();
    }
  });
});
