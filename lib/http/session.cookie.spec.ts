import { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import type { HttpAdapterHost } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SessionCookie } from './session.cookie';

type CookieOptions = ResolvedSessionOptions['cookie'];
// The library defaults (DEFAULT_SESSION_OPTIONS.cookie); options.spec checks that they are what the module applies.
const defaults: CookieOptions = { name: 'sid', secure: false, sameSite: 'lax', path: '/', httpOnly: true };
const TOKEN = 'abcABC012_-abcABC012_-abcABC012_-abcABC012_-x'.padEnd(67, 'x');
// Headers go through Nest's own HTTP adapters, as in an app (HttpAdapterHost).
const EXPRESS = { httpAdapter: new ExpressAdapter() } as unknown as HttpAdapterHost;
const FASTIFY = { httpAdapter: new FastifyAdapter() } as unknown as HttpAdapterHost;
const cookieOf = (cookie: CookieOptions, host = EXPRESS) => new SessionCookie({ cookie }, host);

/** A real Express response object (no socket I/O happens: only its header map is used). */
function nodeResponse(): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  Object.setPrototypeOf(res, express.response);
  return res;
}

function setCookies(res: ServerResponse): string[] {
  const v = res.getHeader('set-cookie');
  return v === undefined ? [] : ([] as string[]).concat(v as string | string[]);
}

describe('SessionCookie.read', () => {
  const cookie = cookieOf(defaults);
  const req = (cookieHeader?: string | string[]) => ({ headers: { cookie: cookieHeader } });

  it('returns undefined without a Cookie header', () => {
    expect(cookie.read(req())).toBeUndefined();
  });

  it('finds its cookie among others', () => {
    expect(cookie.read(req(`a=1; sid=${TOKEN}; b=2`))).toBe(TOKEN);
  });

  it('does not mistake a cookie whose name ends in its name for its own', () => {
    expect(cookie.read(req('xsid=abc; sidx=def'))).toBeUndefined();
  });

  it('reads a cookie header given as an array', () => {
    expect(cookie.read(req(['a=1', `sid=${TOKEN}`]))).toBe(TOKEN);
  });

  it('uses the configured cookie name', () => {
    const custom = cookieOf({ ...defaults, name: '__Host-app' });
    expect(custom.read(req(`sid=nope; __Host-app=${TOKEN}`))).toBe(TOKEN);
  });
});

describe('SessionCookie.write and clear', () => {
  it('writes Path=/, HttpOnly and SameSite=Lax by default, with no Secure, Domain, Max-Age or Expires', () => {
    const res = nodeResponse();
    cookieOf(defaults).write(res, TOKEN);
    expect(setCookies(res)).toEqual([`sid=${TOKEN}; Path=/; HttpOnly; SameSite=Lax`]);
  });

  it('adds Secure, Domain, a custom path and SameSite=Strict when configured', () => {
    const res = nodeResponse();
    cookieOf({ ...defaults, secure: true, domain: 'example.com', path: '/app', sameSite: 'strict' }).write(res, TOKEN);
    const [line] = setCookies(res);
    expect(line).toMatch(new RegExp(`^sid=${TOKEN};`));
    expect(line).toContain('Domain=example.com');
    expect(line).toContain('Path=/app');
    expect(line).toContain('Secure');
    expect(line).toContain('SameSite=Strict');
    expect(line).toContain('HttpOnly');
  });

  it('is HttpOnly even if the options object says otherwise', () => {
    const res = nodeResponse();
    cookieOf({ ...defaults, httpOnly: false } as unknown as CookieOptions).write(res, TOKEN);
    expect(setCookies(res)[0]).toContain('HttpOnly');
  });

  it('sets Max-Age only when asked', () => {
    const res = nodeResponse();
    cookieOf(defaults).write(res, TOKEN, 3600);
    expect(setCookies(res)[0]).toContain('Max-Age=3600');
  });

  it('clears with an empty value and Max-Age=0, keeping path and attributes', () => {
    const res = nodeResponse();
    cookieOf(defaults).clear(res);
    expect(setCookies(res)).toEqual(['sid=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax']);
  });

  it('marks a response that sets the cookie with Vary: Cookie and Cache-Control: no-cache="Set-Cookie"', () => {
    const res = nodeResponse();
    cookieOf(defaults).write(res, TOKEN);
    expect(res.getHeader('vary')).toBe('Cookie');
    expect(res.getHeader('cache-control')).toBe('no-cache="Set-Cookie"');
  });

  it('adds to existing Vary and Cache-Control values once, without duplicates', () => {
    const res = nodeResponse();
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Cache-Control', 'private');
    const cookie = cookieOf(defaults);
    cookie.write(res, TOKEN);
    cookie.clear(res);
    cookie.varyOnCookie(res);
    expect(res.getHeader('vary')).toBe('Accept-Encoding, Cookie');
    expect(res.getHeader('cache-control')).toBe('private, no-cache="Set-Cookie"');
    expect(setCookies(res)).toHaveLength(2);
  });
});

// The adapters merge Set-Cookie differently (Express appends; Fastify's reply.header appends to set-cookie by
// itself). A response must carry each cookie written exactly once on both, e.g. a CSRF cookie the app sets in the
// same login response as the session cookie.
describe.each(['express', 'fastify'] as const)('Set-Cookie on a real %s response', (adapter) => {
  const cookie = cookieOf(defaults, adapter === 'fastify' ? FASTIFY : EXPRESS);
  const session = `sid=${TOKEN}; Path=/; HttpOnly; SameSite=Lax`;
  const cleared = 'sid=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax';
  type Appender = (name: string, value: string) => void;

  const scenarios: Array<[string, (res: unknown, appendOwn: Appender) => void, string[]]> = [
    ['one session cookie write gives one line', (res) => cookie.write(res, TOKEN), [session]],
    ['an app cookie then the session cookie give two lines, each once', (res, own) => {
      own('set-cookie', 'csrf=1; Path=/');
      cookie.write(res, TOKEN);
    }, ['csrf=1; Path=/', session]],
    ['a session cookie write then a clear give two lines, each once', (res) => {
      cookie.write(res, TOKEN);
      cookie.clear(res);
    }, [session, cleared]],
  ];

  it.each(scenarios)('%s', async (_name, act, expected) => {
    const { setCookie, vary } = await respond(adapter, act);
    expect(setCookie).toEqual(expected);
    expect(vary).toBe('Cookie');
  });
});

/** Runs `act` inside a real route of the adapter and returns the response's Set-Cookie lines and Vary header. */
async function respond(
  adapter: 'express' | 'fastify', act: (res: unknown, appendOwn: (n: string, v: string) => void) => void,
): Promise<{ setCookie: string[]; vary: string | undefined }> {
  if (adapter === 'fastify') {
    const app = Fastify();
    app.get('/', (_req, reply) => {
      act(reply, (n, v) => reply.header(n, v));
      return 'ok';
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/' });
      return { setCookie: ([] as string[]).concat(res.headers['set-cookie'] ?? []), vary: res.headers['vary'] as string };
    } finally {
      await app.close();
    }
  }
  const app = express();
  app.get('/', (_req, res) => {
    act(res, (n, v) => res.append(n, v));
    res.send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  try {
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`);
    await res.text();
    return { setCookie: res.headers.getSetCookie(), vary: res.headers.get('vary') ?? undefined };
  } finally {
    await new Promise((r) => server.close(r));
  }
}
