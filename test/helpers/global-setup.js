import { markRun } from './leftover-processes.js';

export default function globalSetup() {
  markRun();
}
