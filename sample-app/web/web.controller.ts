import { Controller, Get, Header } from '@nestjs/common';
import { DEVICES_PAGE_HTML, DEVICES_PAGE_SCRIPT, DEVICES_PAGE_STYLE_HASH } from './devices-page';

/**
 * Only this origin's script, calls and stream; the inline style is allowed by its hash. Nothing can frame the
 * page, and the login form cannot be posted anywhere by the browser itself (the script sends it as JSON).
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  `style-src '${DEVICES_PAGE_STYLE_HASH}'`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * GET / : the "Your devices" page, and GET /app.js : its script. No guard: the page works signed out (it shows
 * the login form) and learns who is signed in from GET /me. Strings are returned, so it works on Express and Fastify.
 */
@Controller()
export class WebController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('Content-Security-Policy', CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  page(): string {
    return DEVICES_PAGE_HTML;
  }

  @Get('app.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('X-Content-Type-Options', 'nosniff')
  script(): string {
    return DEVICES_PAGE_SCRIPT;
  }
}
