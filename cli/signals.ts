/**
 * Remembers the first SIGINT/SIGTERM so kiln exits 128+N after it (130, 143),
 * whichever command was running. A command that can stop cleanly (a build, a
 * container) adds its own listener and aborts; while no command listens, the
 * signal ends kiln the way it would have without this watcher.
 */

const WATCHED = ['SIGINT', 'SIGTERM'] as const;

export interface SignalWatch {
  /** The first signal received, if any. */
  first(): NodeJS.Signals | undefined;
  stop(): void;
}

export function watchSignals(): SignalWatch {
  let first: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    first ??= sig;
    if (process.listenerCount(sig) > 1) return;
    // Nothing to stop cleanly: die of the signal as if no handler were installed.
    stop();
    process.kill(process.pid, sig);
  };
  const stop = (): void => {
    for (const s of WATCHED) process.off(s, onSignal);
  };
  for (const s of WATCHED) process.on(s, onSignal);
  return { first: () => first, stop };
}
