// The convention of the commands that run operations (`moxxie scheduler`, `jobs trigger`, the capability
// verbs): the first SIGINT or SIGTERM cancels (nothing new starts, steps already running finish), each later
// one stops waiting for the running steps. SIGHUP keeps its default. The same watch as the TUI's and the
// listeners', with its repeats acted on instead of ignored and no grace period: these commands end themselves.
import { watchStopSignals, type StopSignal, type StopSignalWatch } from '../src/net/stop-signal.js';

const RUN_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

export function watchRunSignals(cancel: (signal: StopSignal) => void, stopWaiting: (signal: StopSignal) => void): StopSignalWatch {
  return watchStopSignals(cancel, { signals: RUN_SIGNALS, onRepeat: stopWaiting });
}
