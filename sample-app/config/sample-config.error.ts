/** The sample app's environment has bad values: every problem is listed, each naming its variable. */
export class SampleConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment for the sample app:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }

  override get name(): string {
    return 'SampleConfigError';
  }
}
