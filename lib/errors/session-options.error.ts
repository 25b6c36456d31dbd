import { OPTIONS_INVALID } from './messages';
import { SessionError } from './session.error';

/**
 * Thrown at boot when SessionModule options are invalid, listing every problem with its option's dotted path. An
 * HttpException only so that one `instanceof SessionError` catches every error of the library; no client sees it.
 * @publicApi
 */
export class SessionOptionsError extends SessionError {
  constructor(readonly problems: string[]) {
    super(OPTIONS_INVALID(problems), 500, 'Invalid Session Options');
  }
}
