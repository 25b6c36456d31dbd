/**
 * `npm run test:unit`: the specs that need no Redis (beside their files in lib/, the sample app's pure parts in
 * test/unit, the reference model's own rules), without the Redis check of the full run's global setup.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  globalSetup: undefined,
  testMatch: ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts', '<rootDir>/test/model/reference-model.spec.ts'],
};
