import { SetMetadata } from '@nestjs/common';
import { PUBLIC_ROUTE_METADATA } from '../session.constants';

/**
 * Lets a route (or a whole controller) through SessionGuard without a session, e.g. login. When a valid cookie
 * is present the session is still attached, so the route can tell who is calling.
 * @publicApi
 */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE_METADATA, true);
