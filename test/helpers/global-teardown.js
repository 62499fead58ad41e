import { checkLeftovers } from './leftover-processes.js';

export default async function globalTeardown() {
  const id = process.env.CALYPSO_TEST_RUN;
  if (id) await checkLeftovers(id);
}
