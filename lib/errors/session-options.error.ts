import { OPTIONS_INVALID } from './messages';
import { SessionError } from './session.error';

/**
 * Thrown at boot when SessionModule options are invalid. Lists every problem at once, one per option, each with
 * its dotted path. (An HttpException like the others only so that one `instanceof SessionError` catches them all;
 * it is thrown while the app boots, never to a client.)
 * @publicApi
 */
export class SessionOptionsError extends SessionError {
  constructor(readonly problems: string[]) {
    super(OPTIONS_INVALID(problems), 500, 'Invalid Session Options');
  }
}
