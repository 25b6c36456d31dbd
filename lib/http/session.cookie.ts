import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { parse, serialize, SerializeOptions } from 'cookie';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import { headerValue, SessionRequest } from './session-request';

/** The header operations of Nest's HTTP adapter (Express or Fastify) that the cookie needs. @internal */
export interface HeaderAccess {
  getHeader(response: unknown, name: string): unknown;
  setHeader(response: unknown, name: string, value: string): unknown;
  appendHeader(response: unknown, name: string, value: string): unknown;
  isHeadersSent(response: unknown): boolean;
}

/**
 * Reads and writes the session cookie, through Nest's HTTP adapter (HttpAdapterHost), so the same code serves
 * Express and Fastify and no cookie-parser middleware is needed. Every response that reads or sets the session
 * varies on Cookie; one that sets it must not be cached.
 * @internal
 */
@Injectable()
export class SessionCookie {
  private readonly attributes: SerializeOptions;
  private readonly name: string;

  constructor(
    @Inject(SESSION_OPTIONS) options: Pick<ResolvedSessionOptions, 'cookie'>,
    private readonly host: HttpAdapterHost,
  ) {
    const { name, secure, sameSite, path, domain } = options.cookie;
    this.name = name;
    this.attributes = { httpOnly: true, secure, sameSite, path, domain };
  }

  /** The session cookie's value (or another cookie's, by `name`), decoded. */
  read(req: SessionRequest, name = this.name): string | undefined {
    const header = headerValue(req, 'cookie');
    // Fast path: most requests carry few cookies; parse() decodes every value, which we only need for one.
    if (!header || !header.includes(`${name}=`)) return undefined;
    return parse(header)[name];
  }

  /** Sets the cookie. `maxAgeSeconds` only for sessions meant to survive a browser restart. */
  write(res: unknown, token: string, maxAgeSeconds?: number): void {
    this.append(res, serialize(this.name, token, { ...this.attributes, maxAge: maxAgeSeconds }));
  }

  clear(res: unknown): void {
    this.append(res, serialize(this.name, '', { ...this.attributes, maxAge: 0 }));
  }

  /** Clears another cookie (a legacy session's), at the path it was set for. */
  clearOther(res: unknown, name: string, path = '/'): void {
    this.append(res, serialize(name, '', { path, maxAge: 0 }));
  }

  /** Whether the response's headers have gone out (it can take no cookie any more). */
  isSent(res: unknown): boolean {
    return this.adapter.isHeadersSent(res);
  }

  /** Marks a response as depending on the Cookie header (caches must not share it between users). */
  varyOnCookie(res: unknown): void {
    this.addToken(res, 'Vary', 'Cookie');
  }

  private append(res: unknown, line: string): void {
    this.adapter.appendHeader(res, 'Set-Cookie', line);
    this.varyOnCookie(res);
    this.addToken(res, 'Cache-Control', 'no-cache="Set-Cookie"');
  }

  /** Adds a token to a comma-separated header such as Vary, once. */
  private addToken(res: unknown, name: string, token: string): void {
    const current = this.adapter.getHeader(res, name);
    if (current === undefined || current === null || current === '') {
      this.adapter.setHeader(res, name, token);
      return;
    }
    const list = String(current).split(',').map((s) => s.trim()).filter(Boolean);
    if (list.some((t) => t.toLowerCase() === token.toLowerCase())) return;
    this.adapter.setHeader(res, name, [...list, token].join(', '));
  }

  private get adapter(): HeaderAccess {
    const adapter = this.host.httpAdapter as HeaderAccess | undefined;
    if (!adapter) throw new Error('SessionCookie needs an HTTP application (HttpAdapterHost has no adapter)');
    return adapter;
  }
}
