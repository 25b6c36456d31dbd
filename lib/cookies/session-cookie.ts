import { parse, serialize, SerializeOptions } from 'cookie';
import type { ResolvedSessionOptions } from '../session.options';
import { addHeaderToken, SessionRequest, appendHeader, headerValue } from '../http/http-adapter';

/**
 * Reads and writes the session cookie. No cookie-parser middleware is needed, so the same code serves Express and
 * Fastify. Every response that reads or sets the session varies on Cookie; one that sets it must not be cached.
 * @internal
 */
export class SessionCookie {
  private readonly attributes: SerializeOptions;
  private readonly needle: string;

  constructor(private readonly options: ResolvedSessionOptions['cookie']) {
    this.needle = `${options.name}=`;
    this.attributes = {
      httpOnly: true,
      secure: options.secure,
      sameSite: options.sameSite,
      path: options.path,
      domain: options.domain,
    };
  }

  get name(): string {
    return this.options.name;
  }

  read(req: SessionRequest): string | undefined {
    const header = headerValue(req, 'cookie');
    if (!header) return undefined;
    // Fast path: most requests carry few cookies; parse() decodes every value, which we only need for ours.
    if (!header.includes(this.needle)) return undefined;
    return parse(header)[this.options.name];
  }

  /** Sets the cookie. `maxAgeSeconds` only for sessions meant to survive a browser restart. */
  write(res: unknown, token: string, maxAgeSeconds?: number): void {
    appendHeader(res, 'Set-Cookie', serialize(this.options.name, token, { ...this.attributes, maxAge: maxAgeSeconds }));
    markNoStore(res);
  }

  clear(res: unknown): void {
    appendHeader(res, 'Set-Cookie', serialize(this.options.name, '', { ...this.attributes, maxAge: 0 }));
    markNoStore(res);
  }
}

/** Marks a response as depending on the Cookie header (caches must not share it between users). */
export function varyOnCookie(res: unknown): void {
  addHeaderToken(res, 'Vary', 'Cookie');
}

function markNoStore(res: unknown): void {
  varyOnCookie(res);
  addHeaderToken(res, 'Cache-Control', 'no-cache="Set-Cookie"');
}
