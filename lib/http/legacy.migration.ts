import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SessionMetrics } from '../session.metrics';
import { checkedLogin, lifetimeOf } from '../session.input';
import { toActiveSession } from '../session.internals';
import { SESSION_OPTIONS } from '../session.tokens';
import type { ActiveSession } from '../session.types';
import { SessionStore } from '../store/session.store';
import type { StoredSession } from '../store/stored.session';
import { clientBinding } from './client.binding';
import { SessionCookie } from './session.cookie';
import type { SessionRequest } from './session.request';

/**
 * Moving off express-session + connect-redis without signing anyone out. A request with no session of ours but a
 * legacy cookie (`connect.sid=s:<id>.<signature>`) signed with one of `legacy.secrets` has its legacy record
 * (`<prefix><id>`, connect-redis's JSON) taken with GETDEL, so that it works once, for one of concurrent requests;
 * `legacy.map` turns it into a user, who gets a new session and cookie; the legacy cookie is cleared. A migration
 * that fails puts the record back. @internal
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
    const id = unsign(this.cookie.read(req, legacy.cookieName), legacy.secrets);
    if (!id) return null;
    const key = `${legacy.prefix}${id}`;
    const taken = await this.store.takeLegacy(key);
    if (!taken) return null;
    const created = await this.signIn(taken.raw, req).catch(async (err: unknown) => {
      // Loses nothing: the record goes back and the legacy cookie stays (Redis failed, a session limit refused, the
      // app's map threw or mapped to a user the library cannot store), so a later request migrates it.
      await this.store.restoreLegacy(key, taken.raw, taken.ttlMs).catch(() => undefined);
      throw err;
    });
    this.cookie.clearOther(res, legacy.cookieName);
    if (!created) return null;
    this.metrics.sessionMigrated();
    this.cookie.write(res, created.token);
    return toActiveSession(created.session);
  }

  /** A new session for the record's user; null for a record that is not JSON or that `map` turns down. */
  private async signIn(raw: string, req: SessionRequest): Promise<{ token: string; session: StoredSession } | null> {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return null;
    }
    const mapped = await this.options.legacy!.map(record);
    if (!mapped) return null;
    const { userId, device, data } = checkedLogin(mapped);
    return this.store.create(userId, device, data, lifetimeOf({ userId }, this.options), {
      binding: clientBinding(req, this.options.binding),
    });
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
