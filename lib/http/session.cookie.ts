import { Inject, Injectable } from '@nestjs/common';
import { AbstractHttpAdapter, HttpAdapterHost } from '@nestjs/core';
import { parse, serialize, SerializeOptions } from 'cookie';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import { headerValue, SessionRequest } from './session.request';

/**
 * Reads and writes the session cookie through Nest's HTTP adapter, for Express and Fastify alike, no cookie-parser.
 * Every response that reads or sets the session varies on Cookie; one that sets it must not be cached. @internal
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

  /** Clears another cookie (a legacy session's, set for path /). */
  clearOther(res: unknown, name: string): void {
    this.append(res, serialize(name, '', { path: '/', maxAge: 0 }));
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
    // Most responses have none yet: no list to build (this runs on every guarded request).
    if (current == null || current === '') return this.adapter.setHeader(res, name, token);
    const list = String(current).split(',').map((s) => s.trim()).filter(Boolean);
    if (list.some((t) => t.toLowerCase() === token.toLowerCase())) return;
    this.adapter.setHeader(res, name, [...list, token].join(', '));
  }

  private get adapter(): AbstractHttpAdapter {
    const adapter = this.host.httpAdapter as AbstractHttpAdapter | undefined;
    if (!adapter) throw new Error('SessionCookie needs an HTTP application (HttpAdapterHost has no adapter)');
    return adapter;
  }
}
