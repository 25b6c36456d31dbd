/** The "Your devices" page (GET /, GET /app.js) and the one endpoint it adds (POST /auth/logout-others). */
export { LogoutOthersController } from './logout-others.controller';
export { WebController } from './web.controller';
