/**
 * Traps leave from the daemon's own machine, as its webhooks and mails do (on the simulated
 * appliance too, so a demo can notify a real manager): snmptrap runs here, its secrets in a
 * private directory (0700, made with mkdtemp) that only this process knows.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalHost } from '../local-host.js';
import { SnmpTrapSender, type Trap, type TrapAuth } from './index.js';

export class LocalTrapSender {
  private sender: Promise<SnmpTrapSender> | null = null;
  constructor(private readonly host = new LocalHost({ timeoutMs: 15_000 })) {}

  send(trap: Trap, auth: TrapAuth): Promise<void> {
    this.sender ??= mkdtemp(path.join(os.tmpdir(), 'calypso-snmptrap-')).then((dir) => new SnmpTrapSender(this.host, dir));
    return this.sender.then((s) => s.send(trap, auth));
  }
}
