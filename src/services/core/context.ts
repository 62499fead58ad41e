import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Host } from '../../system/host.js';
import type { EventBus } from './events.js';
import type { JobManager } from './jobs.js';

/** Which face a call came through; recorded in the audit log. */
export type Face = 'api' | 'console' | 'cli' | 'system';

/** The user a call runs as, with the permissions their roles grant. */
export interface UserActor {
  kind: 'user';
  id: number;
  username: string;
  roles: string[];
  permissions: ReadonlySet<string>;
  /** The login session (refresh-token family) the call belongs to, when there is one. */
  sessionId?: string;
}

/** Calypso itself (start-up, schedulers, CLI bootstrap): has every permission. */
export interface SystemActor {
  kind: 'system';
  username: 'system';
}

export type Actor = UserActor | SystemActor;

export const SYSTEM_ACTOR: SystemActor = { kind: 'system', username: 'system' };

/**
 * The process at the other end of the daemon's Unix socket, as the kernel tells it (socket inode,
 * /proc), never as the client says: its user, its controlling terminal, whether it runs in an SSH
 * session. See docs/security.md, "Local console".
 */
export interface LocalPeer {
  pid: number;
  uid: number;
  /** The controlling terminal: /dev/tty1, /dev/pts/3, /dev/console; null when it has none. */
  tty: string | null;
  /** SSH_CONNECTION/SSH_CLIENT/SSH_TTY in its environment, or an sshd among its ancestors. */
  ssh: boolean;
}

/** Where a call came from; supplied by the face. */
export interface CallMeta {
  actor: Actor | null;
  face: Face;
  address?: string;
  requestId?: string;
  /**
   * What the face found wrong while it assembled the input (a query string on a POST, a body
   * field the path contradicts, a body that is not an object): refused by the invoker after
   * authorization, as an invalid call, audited like any other.
   */
  inputProblems?: { path: string; message: string }[];
  /**
   * Only for a call on the daemon's Unix socket: who is at the other end, asked of the kernel when
   * an operation needs it (the local-console recovery). Absent over TCP.
   */
  localPeer?: () => Promise<LocalPeer | null>;
  /**
   * The face's admission control (too many writes at once). The invoker asks it once the call is
   * authorized, valid and confirmed, just before the handler would run: a refused, invalid or
   * unconfirmed write never takes a slot and gets its own answer. A refusal (the message returned)
   * is answered 503 and audited like any other answer; null means the write may run.
   */
  admit?: () => string | null;
}

/** Shared, long-lived dependencies every handler can use. */
export interface Deps {
  db: Knex;
  host: Host;
  events: EventBus;
  jobs: JobManager;
  log: Logger;
  /** Invoke another operation as the same caller (permission-checked and audited like any call). */
  call<T = unknown>(name: string, input: unknown, meta: CallMeta): Promise<T>;
}

/** What a handler receives: the dependencies plus who is calling and from where. */
export interface Ctx extends Deps, CallMeta {
  /** Replaces the audit row's target once the handler knows more (a terminal session's duration). */
  setAuditTarget(target: string): void;
}

export function actorHas(actor: Actor | null, permission: string): boolean {
  if (!actor) return false;
  if (actor.kind === 'system') return true;
  return actor.permissions.has(permission);
}
