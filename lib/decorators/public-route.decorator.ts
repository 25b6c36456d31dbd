import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { SessionExchangeInterceptor } from '../http/session.exchange';
import { PUBLIC_ROUTE_METADATA } from '../session.constants';

/**
 * Lets a route, a resolver (or a whole controller) through SessionGuard without a session, e.g. login; a valid
 * cookie's session is still attached. SessionService.create() signs users in only here (it sets the cookie). @publicApi
 */
export const PublicRoute = () =>
  applyDecorators(SetMetadata(PUBLIC_ROUTE_METADATA, true), UseInterceptors(SessionExchangeInterceptor));
