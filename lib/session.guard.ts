import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SessionCsrfError, SessionNotFoundError, SessionUnavailableError } from './errors';
import { carriesToken, crossSiteReason, isUnsafe } from './http/csrf.check';
import type { SessionExchange } from './http/session.exchange';
import { GRAPHQL_CONTEXT_TYPE, graphqlCall } from './graphql/graphql.context';
import { storedOf } from './session.internals';
import type { SessionRequest } from './http/session.request';
import { attachedSession, attachSession, PUBLIC_ROUTE_METADATA, SOCKET_SESSION_PENDING } from './session.constants';
import { NO_GRAPHQL_REQUEST } from './errors/error.messages';
import { SessionMetrics } from './session.metrics';
import { SessionResolver } from './session.resolver';
import type { ActiveSession } from './session.types';

/**
 * Authenticates a request by its session cookie: resolves the session, slides its idle expiry (one Redis round
 * trip), puts it where @Session() finds it. 401 for a missing, malformed (checked before Redis), unknown or expired
 * cookie; 503 when Redis cannot answer in time (never lets a request through on a Redis failure). @PublicRoute()
 * routes pass without a session (one is attached if the cookie is valid). Works on controllers, WebSocket gateways
 * and GraphQL resolvers (Apollo, Mercurius). Subclass it to change `extractToken` or `onMissingSession`. @publicApi
 */
@Injectable()
export class SessionGuard implements CanActivate {
  private readonly metrics: SessionMetrics;
  /** @PublicRoute() by class, then handler: metadata is fixed at boot, and reading it costs ~1 µs per request. */
  private readonly publicRoutes = new Map<Function, Map<Function, boolean>>();

  /**
   * @internal Nest creates it, in the modules that use it: only providers SessionModule exports. A subclass takes
   * more as properties (`@Inject()` on a property), so this constructor stays the library's.
   */
  constructor(
    /** @internal */ private readonly resolver: SessionResolver,
    /** @internal */ private readonly reflector: Reflector,
  ) {
    this.metrics = resolver.metrics;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const isPublic = this.routeIsPublic(context.getClass(), context.getHandler());
    const type = context.getType<string>();
    if (type === 'ws') return this.canActivateSocket(context.switchToWs().getClient());
    let req: SessionRequest;
    let res: unknown;
    // GraphQL only: a cross-site POST is refused whatever the operation (as on any route); the token, of mutations.
    let mutation: boolean | undefined;
    if (type === GRAPHQL_CONTEXT_TYPE) {
      const call = graphqlCall(context);
      if (call.socket) return this.canActivateSocket(call.socket);
      if (!call.req || call.operation === 'subscription') throw new Error(NO_GRAPHQL_REQUEST);
      ({ req, res } = call);
      mutation = call.operation === 'mutation';
    } else {
      // By index, as switchToHttp() would (it assigns three new closures to the context first): request, response.
      req = context.getArgByIndex<SessionRequest>(0);
      res = context.getArgByIndex(1);
    }
    this.resolver.cookie.varyOnCookie(res);
    const exchange: SessionExchange = { req, res };
    let token: string | undefined;
    try {
      token = this.extractToken(req);
    } catch (err) {
      return this.failed(err, req, isPublic);
    }
    // CSRF: an unsafe request a browser marks cross-site is refused before anything else, login included. It guards
    // what a browser attaches by itself: the cookie, or nothing on a public route (a login, whatever else it carries);
    // a bearer token cannot ride a forged request.
    const csrf = this.resolver.csrf;
    const guarded = csrf.mode !== 'off' && (mutation === true || isUnsafe(req)) &&
      (isPublic || !this.resolver.isBearer(req, token));
    const crossSite = guarded ? crossSiteReason(req, csrf) : null;
    if (crossSite) return this.forged(crossSite);
    let resolved: ActiveSession | null | Promise<ActiveSession | null>;
    try {
      resolved = this.resolver.resolve(token, req, res);
    } catch (err) {
      return this.failed(err, req, isPublic);
    }
    // Not on public routes (a login): there the origin check is the defence, and a stale session must not block it.
    const needsToken = guarded && mutation !== false && csrf.mode === 'token' && !isPublic;
    if (!(resolved instanceof Promise)) return this.accept(resolved, exchange, isPublic, needsToken);
    return resolved.then(
      (session) => this.accept(session, exchange, isPublic, needsToken),
      (err: unknown) => this.failed(err, req, isPublic),
    );
  }

  private accept(
    session: ActiveSession | null, exchange: SessionExchange, isPublic: boolean, needsToken: boolean,
  ): boolean | Promise<boolean> {
    if (!session) {
      if (isPublic) return this.passWithout(exchange.req);
      this.metrics.guardOutcome('401');
      throw this.onMissingSession();
    }
    // A request made with a session must prove it comes from the app's own page (token mode).
    if (needsToken && !carriesToken(exchange.req, this.resolver.csrf.header, storedOf(session).csrf)) {
      return this.checkTokenAfresh(session, exchange);
    }
    return this.let(session, exchange);
  }

  /** Lets the request through with its session: where @Session() and the service's logouts find it. */
  private let(session: ActiveSession, exchange: SessionExchange): true {
    attachSession(exchange.req, this.resolver.exchanges.add(session, exchange));
    this.metrics.guardOutcome('ok');
    return true;
  }

  /** The cached copy may predate the session's token (made on another instance): ask Redis before refusing. */
  private async checkTokenAfresh(session: ActiveSession, exchange: SessionExchange): Promise<boolean> {
    const { header } = this.resolver.csrf;
    const fresh = await this.resolver.reread(session, false).catch((err: unknown) => this.failed(err, exchange.req));
    if (!fresh || fresh === true || !carriesToken(exchange.req, header, storedOf(fresh).csrf)) {
      return this.forged(`the ${header} header does not carry this session's token`);
    }
    return this.let(session, exchange);
  }

  private routeIsPublic(type: Function, handler: Function): boolean {
    let handlers = this.publicRoutes.get(type);
    if (!handlers) this.publicRoutes.set(type, (handlers = new Map()));
    let isPublic = handlers.get(handler);
    if (isPublic === undefined) {
      isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE_METADATA, [handler, type]) === true;
      handlers.set(handler, isPublic);
    }
    return isPublic;
  }

  private forged(reason: string): never {
    this.metrics.guardOutcome('403');
    throw new SessionCsrfError(reason);
  }

  private failed(err: unknown, req: SessionRequest, isPublic = false): true {
    // A public route does not need Redis; every other route fails closed.
    if (isPublic && err instanceof SessionUnavailableError) return this.passWithout(req);
    if (err instanceof SessionUnavailableError) this.metrics.guardOutcome('503');
    throw err;
  }

  /**
   * A gateway message (or GraphQL subscription) passes while its socket's session exists (its end disconnects the
   * client, but a message may be in flight); one sent while attach() resolves (Nest doesn't await it) waits for it.
   */
  private async canActivateSocket(socket: object): Promise<boolean> {
    const pending = (socket as Record<symbol, unknown>)[SOCKET_SESSION_PENDING] as Promise<unknown> | undefined;
    await pending?.catch(() => null);
    const session = attachedSession<ActiveSession>(socket);
    if (!session) return false;
    const fresh = await this.resolver.reread(session).catch(() => null);
    if (fresh) attachSession(socket, fresh);
    return fresh !== null;
  }

  /** Where the token comes from. Default: the session cookie, then (with acceptBearerToken) `Authorization: Bearer`. */
  protected extractToken(req: SessionRequest): string | undefined {
    return this.resolver.tokenFrom(req);
  }

  /** What to throw when there is no valid session. Default: 401. */
  protected onMissingSession(): Error {
    return new SessionNotFoundError();
  }

  /**
   * A public route without a session: null tells @Session() the guard ran. Only here, not up front: every write to
   * the request's slot costs. Never over a session another root field of the same GraphQL query attached.
   */
  private passWithout(req: SessionRequest): true {
    if (attachedSession(req) === undefined) attachSession(req, null);
    return true;
  }
}
