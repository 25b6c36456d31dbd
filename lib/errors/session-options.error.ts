import { OPTIONS_INVALID } from './messages';

/**
 * Thrown at boot when SessionModule options are invalid. Lists every problem at once, each with its dotted path.
 * @publicApi
 */
export class SessionOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(OPTIONS_INVALID(problems));
  }
  override get name(): string {
    return 'SessionOptionsError';
  }
}
