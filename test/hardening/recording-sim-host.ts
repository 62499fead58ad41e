import type { RunOptions, RunResult } from '../../src/system/host.js';
import { SimulatedHost, type SimulatedHostOptions } from '../../src/system/sim/simulated-host.js';

/**
 * The simulated appliance, recording every command it is asked to run: commands really answer
 * (so operations get past their existence checks and reach the adapters), and a test can still
 * inspect each argument vector. It stays a SimulatedHost, so the sim.* operations work on it.
 */
export class RecordingSimulatedHost extends SimulatedHost {
  readonly calls: { command: string; args: string[] }[] = [];

  constructor(opts: SimulatedHostOptions = {}) {
    super(opts);
  }

  override run(command: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    this.calls.push({ command, args: [...args] });
    return super.run(command, args, opts);
  }
}
