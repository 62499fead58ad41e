/**
 * Screens read through these hooks: the call runs in an effect (never in render), marks the
 * console busy while it runs, and re-runs when the event bus says the data changed.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { errorMessage } from '../../contracts/errors.js';
import type { ConsoleEvent } from '../appliance.js';
import type { Input, OperationName, Output } from '../../contracts/index.js';
import { allPages } from '../../contracts/list.js';
import { useShell } from '../context.js';
import type { KeyBinding } from '../keys.js';

export interface Query<T> {
  data: T | undefined;
  /** Why the data could not be read (including "not in this build" and permission). */
  error: string | null;
  loading: boolean;
  reload: () => void;
}

export interface QueryOptions {
  /** Re-read when events of these types arrive (debounced). */
  refreshOn?: ConsoleEvent['type'][];
  /** Re-read every so many milliseconds. */
  intervalMs?: number;
  /** Skip the call (e.g. nothing selected yet). */
  enabled?: boolean;
}

/** Reads operation N with `input`; the data is N's answer. */
export function useQuery<N extends OperationName>(operation: N, input: Input<N>, opts: QueryOptions = {}): Query<Output<N>> {
  const shell = useShell();
  const shellRef = useRef(shell);
  shellRef.current = shell;
  const [state, setState] = useState<{ data: Output<N> | undefined; error: string | null; loading: boolean }>({
    data: undefined,
    error: null,
    loading: opts.enabled !== false,
  });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(input ?? {});
  const denied = shell.denial(operation);
  const enabled = opts.enabled !== false;

  useEffect(() => {
    if (denied) {
      setState({ data: undefined, error: denied, loading: false });
      return;
    }
    if (!enabled) {
      setState({ data: undefined, error: null, loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    // A list asked for more rows than one page holds is read page by page (MAX_PAGE_SIZE).
    // `page` is the caller's input (the key's JSON), with limit and offset set per page.
    allPages((page) => shellRef.current.call(operation, page as Input<N>), JSON.parse(key) as Record<string, unknown>).then(
      (data) => {
        if (live) setState({ data, error: null, loading: false });
      },
      (err) => {
        if (live) setState((s) => ({ data: s.data, error: errorMessage(err), loading: false }));
      },
    );
    return () => {
      live = false;
    };
  }, [operation, key, tick, denied, enabled]);

  const refreshOn = (opts.refreshOn ?? []).join(',');
  useEffect(() => {
    if (!refreshOn) return;
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = shellRef.current.app.subscribe(
      () => {
        clearTimeout(timer);
        timer = setTimeout(() => setTick((t) => t + 1), 250);
      },
      refreshOn.split(',') as ConsoleEvent['type'][],
    );
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [refreshOn]);

  // Whatever changed something from this console (the palette, a form, a job that ended): read again.
  useEffect(() => shellRef.current.onChange(() => setTick((t) => t + 1)), []);

  useEffect(() => {
    if (!opts.intervalMs) return;
    const timer = setInterval(() => setTick((t) => t + 1), opts.intervalMs);
    return () => clearInterval(timer);
  }, [opts.intervalMs]);

  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** Declares the screen's keys to the shell (which dispatches them and lists them in help). */
export function useBindings(bindings: KeyBinding[]): void {
  const shell = useShell();
  // A layout effect: registered before the frame is written, so a key pressed right after a
  // redraw finds the bindings of what it shows.
  useLayoutEffect(() => {
    shell.setBindings(bindings);
  });
}
