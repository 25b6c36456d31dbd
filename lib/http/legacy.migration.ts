import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SessionMetrics } from '../session.metrics';
import { checkedLogin, lifetimeOf } from '../session.input';
import { toActiveSession } from '../session.internals';
import { SESSION_OPTIONS } from '../session.tokens';
import type { ActiveSession } from '../session.types';
import { SessionStore } from '../store/session.store';
import { clientBinding } from './client.binding';
import { SessionCookie } from './session.cookie';
import type { SessionRequest } from './session.request';

/**
 * Moving off express-session + connect-redis without signing anyone out. A request with no session of ours but a
 * legacy cookie (`connect.sid=s:<id>.<signature>`) signed with one of `legacy.secrets` has its legacy record
 * (`<prefix><id>`, connect-redis's JSON) taken with GETDEL, so that it works once, for one of concurrent requests;
 * `legacy.map` turns it into a user, who gets a new session and cookie; the legacy cookie is cleared. @internal
 */
@Injectable()
export class LegacySessionMigration implements OnModuleInit {
  private readonly logger = new Logger('SessionMigration');

  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly store: SessionStore,
    private readonly cookie: SessionCookie,
    private readonly metrics: SessionMetrics,
  ) {}

  onModuleInit(): void {
    const until = this.options.legacy?.until;
    if (until && Date.now() >= until.getTime()) {
      this.logger.warn(`legacy.until (${until.toISOString()}) has passed: legacy cookies are ignored; remove the option`);
    }
  }

  /** Whether this request may be a legacy one: the option is on, not past `until`, and the cookie is there. */
  applies(req: SessionRequest): boolean {
    const legacy = this.options.legacy;
    if (!legacy || (legacy.until && Date.now() >= legacy.until.getTime())) return false;
    return this.cookie.read(req, legacy.cookieName) !== undefined;
  }

  /** Signs the legacy cookie's user in (new session, new cookie, legacy cookie cleared), or answers null. */
  async migrate(req: SessionRequest, res: unknown): Promise<ActiveSession | null> {
    const legacy = this.options.legacy!;
    const name = legacy.cookieName;
    const id = unsign(this.cookie.read(req, name), legacy.secrets);
    if (!id) return null;
    const raw = await this.store.takeLegacy(`${legacy.prefix}${id}`);
    if (raw === null) return null;
    this.cookie.clearOther(res, name);
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return null;
    }
    const mapped = await legacy.map(record);
    if (!mapped) return null;
    const { userId, device, data } = checkedLogin(mapped);
    const { token, session } = await this.store.create(userId, device, data, lifetimeOf({ userId }, this.options), {
      binding: clientBinding(req, this.options.binding),
    });
    this.metrics.sessionMigrated();
    this.cookie.write(res, token);
    return toActiveSession(session);
  }
}

/**
 * A signed legacy value: express-session's (cookie-signature) `s:<id>.<base64 HMAC-SHA256 of <id>, '=' stripped>`, or
 * @fastify/session's (@fastify/cookie's signer) the same without `s:`. Each secret is tried (both verify with all of
 * them, for rotation); compared in constant time.
 */
function unsign(value: string | undefined, secrets: string[]): string | null {
  if (!value) return null;
  const signed = value.startsWith('s:') ? value.slice(2) : value;
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return null;
  const id = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  for (const secret of secrets) {
    const expected = Buffer.from(createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, ''));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return id;
  }
  return null;
}
