/**
 * Whether `done` settles within `ms`: the one way Calypso waits a bounded time for something
 * (a job, the app's close, a shell's exit). The timer is cleared either way, so a wait that ended
 * early leaves nothing running. A rejection of `done` counts as settled: await `done` afterwards
 * for its value or error.
 */
export async function within(done: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      done.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
