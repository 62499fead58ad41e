/** The console's root: the login screen until someone is logged in, then the shell. */
import type { EventEmitter } from 'node:events';
import React, { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useStdin } from 'ink';
import type { ConsoleServices } from './context.js';
import { KeyGateContext, type KeyGate } from './key-gate.js';
import { splitKeys } from './keys.js';
import { Login } from './Login.js';
import { Shell } from './Shell.js';
import type { Busy } from './session.js';

export function App({ services }: { services: ConsoleServices }): React.ReactElement {
  const { session, metrics, options } = services;
  const [, setVersion] = useState(0);
  const [lastUser, setLastUser] = useState(session.actor?.username ?? '');
  // The first start's generated password is shown until someone has logged in, never after a logout.
  const loggedInOnce = useRef(Boolean(session.actor));
  if (session.actor) loggedInOnce.current = true;

  useEffect(() => {
    const onChange = () => setVersion((v) => v + 1);
    session.on('change', onChange);
    return () => {
      session.off('change', onChange);
    };
  }, [session]);

  useEffect(() => {
    if (session.actor) metrics.start();
    else metrics.stop();
  }, [session.actor, session, metrics]);

  const lock = useCallback(() => {
    setLastUser(session.actor?.username ?? '');
    void session.logout(options.idleLockMinutes > 0 ? `Locked. Log in again to continue where you were.` : 'Locked.');
  }, [session, options.idleLockMinutes]);

  if (!session.actor) {
    return (
      <KeyOrder busy={services.busy}>
        <Login
          services={{
            ...services,
            options: { ...options, generatedAdminPassword: lastUser || loggedInOnce.current ? undefined : options.generatedAdminPassword },
          }}
          username={lastUser}
          onLoggedIn={() => setVersion((v) => v + 1)}
        />
      </KeyOrder>
    );
  }
  return (
    <KeyOrder busy={services.busy}>
      <Shell key={`${session.actor.id}`} services={services} actor={session.actor} onLock={lock} />
    </KeyOrder>
  );
}

/**
 * Every key reaches the console on its own, in order, and only once the previous key's effects
 * are in place. Ink hands each terminal read to every input handler as one string, so a burst
 * (user name, Tab, password, Enter from a password manager; 20 Backspaces typed fast) would
 * reach the user-name field whole; and a handler that a key activates (the password field after
 * Tab) subscribes in an effect, after the render that key caused. So the reads Ink emits are
 * split into keys (splitKeys) and queued; a key is passed on only when no earlier key is waiting
 * for its render, and each next one from an effect of the render made after the previous key was
 * handled: React runs the effects of one commit before those of the next, so by then every
 * handler that key moved focus to listens.
 */
/** Keys passed on in one chain of renders before the chain is cut (React warns past 50 nested updates). */
const KEY_CHAIN = 32;

function KeyOrder({ children, busy: signal }: { children: React.ReactNode; busy: Busy }): React.ReactElement {
  // Ink's input handlers (useInput) listen on this emitter; the field is part of useStdin()'s value.
  const { internal_eventEmitter: emitter } = useStdin() as unknown as { internal_eventEmitter?: EventEmitter };
  const queue = useRef<string[]>([]);
  const deliver = useRef<(key: string) => void>(() => undefined);
  // A key was passed on and the render it caused has not committed yet: the next key waits,
  // even when it came in a read of its own (tmux, a fast typist), else it would reach the field
  // that is losing focus (x, Down, Down, 5G put the 5 in the name field).
  const busy = useRef(false);
  // Login is on the wire: keys wait (KeyGate) until the Shell listens, or the login fails.
  const held = useRef(false);
  const [turn, setTurn] = useState(0);

  const pump = useRef(() => {
    if (held.current) {
      busy.current = false;
      return;
    }
    const next = queue.current.shift();
    if (next === undefined) {
      busy.current = false;
      signal.keysHandled();
      return;
    }
    busy.current = true;
    deliver.current(next);
    setTurn((t) => t + 1);
  });

  useLayoutEffect(() => {
    if (!emitter) return;
    const original = emitter.emit;
    deliver.current = (key) => void original.call(emitter, 'input', key);
    emitter.emit = function (this: EventEmitter, event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'input') return original.call(this, event, ...args);
      const keys = splitKeys(String(args[0] ?? ''));
      if (!keys.length) return true;
      // Ctrl-C never waits behind a held queue: quitting works while a login hangs.
      if (held.current && keys.includes('\x03')) {
        queue.current = [];
        deliver.current('\x03');
        return true;
      }
      queue.current.push(...keys);
      signal.keysArrived(keys.length);
      if (!busy.current) pump.current();
      return true;
    };
    return () => {
      emitter.emit = original;
      queue.current = [];
      busy.current = false;
      signal.keysHandled();
    };
  }, [emitter, signal]);

  // Keys handed on from one render's effect to the next are one chain of nested updates to React,
  // which warns past 50 (a paste of a long passphrase). Every CHAIN keys the chain is cut: the next
  // key waits for a macrotask, still after the previous key's render, so the order stays the same.
  const chain = useRef(0);
  useEffect(() => {
    if (!busy.current) return;
    if (++chain.current < KEY_CHAIN) {
      busy.current = false;
      pump.current();
      return;
    }
    chain.current = 0;
    const t = setTimeout(() => {
      busy.current = false;
      pump.current();
    }, 0);
    return () => clearTimeout(t);
  }, [turn]);

  const gate = useMemo<KeyGate>(
    () => ({
      hold: () => {
        held.current = true;
      },
      release: () => {
        if (!held.current) return;
        held.current = false;
        if (!busy.current) pump.current();
      },
    }),
    [],
  );

  return <KeyGateContext.Provider value={gate}>{children}</KeyGateContext.Provider>;
}
