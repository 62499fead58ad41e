export default {
  preset: 'ts-jest/presets/default-esm',
  // Node's, failing a file that leaves a timer, socket or child process running (test/helpers/environment.js).
  testEnvironment: '<rootDir>/test/helpers/environment.js',
  roots: ['<rootDir>/test'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.tsx?$': ['ts-jest', { useESM: true }] },
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test/helpers/test-env.js'],
  // Ends the file's copy of the password-hashing pool after its last test (test/helpers/after-file.ts).
  setupFilesAfterEnv: ['<rootDir>/test/helpers/after-file.ts'],
  // A process a test started must not outlive the run (test/helpers/leftover-processes.js).
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.js',
};
