/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    // Type checking is done once by `tsc` in `npm test`; jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.check.json' }],
  },
  setupFiles: ['reflect-metadata'],
  reporters: ['default', '<rootDir>/test/support/plain-summary-reporter.js'],
  testTimeout: 60000,
};
