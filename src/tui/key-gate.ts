/**
 * Holding typed keys across a change of screen: Login holds them while its login is on the
 * wire (three round trips to the daemon), the Shell releases them once it listens, so a burst
 * typed ahead (user, Tab, password, Enter, ":jobs", Enter) reaches the Shell instead of a Login
 * that is busy and about to go away.
 */
import { createContext } from 'react';

export interface KeyGate {
  /** Keys wait in the queue, in order, until release. */
  hold(): void;
  /** Deliver what waited; harmless when nothing is held. */
  release(): void;
}

export const KeyGateContext = createContext<KeyGate>({ hold: () => undefined, release: () => undefined });
