/** The console's root: the login screen until someone is logged in, then the shell. */
import React, { useCallback, useEffect, useState } from 'react';
import type { ConsoleServices } from './context.js';
import { Login } from './Login.js';
import { Shell } from './Shell.js';

export function App({ services }: { services: ConsoleServices }): React.ReactElement {
  const { session, metrics, options } = services;
  const [, setVersion] = useState(0);
  const [lastUser, setLastUser] = useState(session.actor?.username ?? '');

  useEffect(() => {
    const onChange = () => setVersion((v) => v + 1);
    session.on('change', onChange);
    return () => {
      session.off('change', onChange);
    };
  }, [session]);

  useEffect(() => {
    if (session.actor) metrics.start(() => session.meta());
    else metrics.stop();
  }, [session.actor, session, metrics]);

  const lock = useCallback(() => {
    setLastUser(session.actor?.username ?? '');
    void session.logout(options.idleLockMinutes > 0 ? `Locked. Log in again to continue where you were.` : 'Locked.');
  }, [session, options.idleLockMinutes]);

  if (!session.actor) {
    return <Login services={{ ...services, options: { ...options, generatedAdminPassword: lastUser ? undefined : options.generatedAdminPassword } }} username={lastUser} onLoggedIn={() => setVersion((v) => v + 1)} />;
  }
  return <Shell key={`${session.actor.id}`} services={services} actor={session.actor} onLock={lock} />;
}
