// Loaded by jest before every test file (jest.config.js, setupFiles), and inherited by the calypso processes tests start.
// bcrypt at cost 4 instead of production's 12: a suite that creates users is not dominated by hashing (about 1 ms a hash
// instead of about 250 ms). The cost is refused below 12 outside test runs (src/services/iam/passwords.ts).
process.env.CALYPSO_BCRYPT_COST ??= '4';
