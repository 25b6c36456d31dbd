import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { SessionExchangeInterceptor } from '../http/session.exchange';
import { PUBLIC_ROUTE_METADATA } from '../session.constants';

/**
 * Lets a route, a resolver (or a whole controller) through SessionGuard without a session, e.g. login. When a valid
 * cookie is present the session is still attached, so the route can tell who is calling. It is also where
 * SessionService.create() may sign a user in: the cookie is set on the response of the request it runs in.
 * @publicApi
 */
export const PublicRoute = () =>
  applyDecorators(SetMetadata(PUBLIC_ROUTE_METADATA, true), UseInterceptors(SessionExchangeInterceptor));
