import { AsyncLocalStorage, createHook, type AsyncHook } from 'node:async_hooks';

const scope = new AsyncLocalStorage<TimerTracker>();
let hook: AsyncHook | undefined;
let trackers = 0;

/**
 * Remembers the timers created while a worker runs (Agenda's polling interval, the lock-lifetime
 * checks it leaves behind after `stop()`, handlers' own timers) so that `release()` can unref them:
 * after `strata.close()` no timer of the worker keeps the process alive. Code runs "in" the worker
 * through `run()`; async continuations stay in it.
 */
export class TimerTracker {
  private readonly timers = new Set<NodeJS.Timeout>();
  private tracking = false;

  /** Starts tracking the timers created in `run()`. */
  start(): void {
    if (this.tracking) return;
    this.tracking = true;
    if (trackers++ === 0) {
      hook ??= createHook({
        init(_id, type, _trigger, resource) {
          if (type === 'Timeout') scope.getStore()?.add(resource as NodeJS.Timeout);
        },
      });
      hook.enable();
    }
  }

  /** Runs `work` in this worker's scope: timers it (or anything it starts) creates are tracked. */
  run<T>(work: () => T): T {
    return scope.run(this, work);
  }

  /**
   * Unrefs every tracked timer and stops tracking. Timers created in `run()` afterwards (by a
   * handler that ignored its aborted signal) are unrefed at once only while another worker of this
   * process still tracks: with none left, the async hook is disabled, as it slows every promise.
   */
  release(): void {
    if (!this.tracking) return;
    this.tracking = false;
    this.released = true;
    for (const timer of this.timers) timer.unref();
    this.timers.clear();
    if (--trackers === 0) hook?.disable();
  }

  private released = false;
  private pruneAt = 512;

  private add(timer: NodeJS.Timeout): void {
    if (!this.tracking) {
      if (this.released) timer.unref();
      return;
    }
    this.timers.add(timer);
    // Timers that fired or were cleared are dropped now and then (each time the set doubled), so a
    // long-running worker does not pile them up.
    if (this.timers.size > this.pruneAt) {
      for (const known of this.timers) if ((known as { _destroyed?: boolean })._destroyed) this.timers.delete(known);
      this.pruneAt = Math.max(512, this.timers.size * 2);
    }
  }
}
