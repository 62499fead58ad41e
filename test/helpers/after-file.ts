// Loaded into every test file after jest's globals (jest.config.js, setupFilesAfterEnv).
// Each test file has its own copy of every module, the password-hashing pool's included (src/services/iam/hash-worker.ts),
// and what the file's copy started would outlive the file: its threads end after five idle seconds, by which time
// the jest worker runs other files, or is being told to exit. The file's pool ends with the file (the test environment
// fails a file that leaves a thread: test/helpers/environment.js).
import { afterAll } from '@jest/globals';
import { hashPool } from '../../src/services/iam/hash-worker.js';

afterAll(async () => {
  await hashPool.close();
});
