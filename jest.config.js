/** Unit specs sit beside lib files; integration specs live in test/. All talk to real Redis where Redis decides. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  // The sample app imports the library by its package name, as a user would; tests map that name to the sources.
  moduleNameMapper: {
    '^nestjs-redis-session$': '<rootDir>/lib/index.ts',
    // Mercurius (the sample app's GraphQL on Fastify) requires @fastify/static, which requires the ESM-only
    // content-disposition 3: Node 20 loads it (require(esm)), Jest's module loader cannot. A CJS stand-in.
    '^content-disposition$': '<rootDir>/test/harness/content-disposition.cjs',
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Packed copies of the library, the consumer apps and the benchmarks carry their own package.json: not part of
  // this project's modules (the benchmarks' smoke run is `npm --prefix bench run smoke`, not a test).
  modulePathIgnorePatterns: ['<rootDir>/.package-check/', '<rootDir>/dist/', '<rootDir>/test/consumers/', '<rootDir>/bench/'],
  testMatch: ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  testTimeout: 30000,
  // test/model runs its 24 feature combinations as concurrent tests: they wait on real time (expiry, rotation).
  maxConcurrency: 24,
};
