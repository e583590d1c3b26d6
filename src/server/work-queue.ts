/**
 * Admission control and a bounded worker pool for analysis requests.
 *
 * A request takes a *place* as soon as it arrives, before its upload is read, and keeps it until
 * its response is sent: at most `concurrency + queueSize` uploads are ever held in memory, and a
 * request that finds no place is refused at once (429) without reading its body. A place lets the
 * request wait (FIFO) for one of `concurrency` *worker slots*. A request that gives up (timeout,
 * client gone) while waiting leaves the line; one that gives up while running cannot stop the
 * computation, so its slot stays taken until the work ends: running work never exceeds
 * `concurrency`, whatever happens to the requests.
 */

export class AbortedWhileWaiting extends Error {
  override readonly name = 'AbortedWhileWaiting';
}

export interface Place {
  /** Give the place back; safe to call more than once. */
  release(): void;
}

export interface QueueStats {
  running: number;
  waiting: number;
  admitted: number;
  capacity: number;
  concurrency: number;
}

export class WorkQueue {
  private admitted = 0;
  private running = 0;
  private readonly waiters: Array<() => void> = [];
  /** Smoothed duration of one piece of work, for Retry-After. */
  private averageWorkMs = 1000;

  constructor(
    readonly concurrency: number,
    readonly queueSize: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
    if (!Number.isInteger(queueSize) || queueSize < 0) throw new RangeError(`queueSize must be an integer >= 0, got ${queueSize}`);
  }

  get capacity(): number {
    return this.concurrency + this.queueSize;
  }

  stats(): QueueStats {
    return { running: this.running, waiting: this.waiters.length, admitted: this.admitted, capacity: this.capacity, concurrency: this.concurrency };
  }

  /** A place in line, or null when every place is taken. */
  admit(): Place | null {
    if (this.admitted >= this.capacity) return null;
    this.admitted++;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.admitted--;
      },
    };
  }

  /** Seconds a refused client should wait: the time for the work now in line to drain, at least 1. */
  retryAfterSeconds(): number {
    const ahead = this.running + this.waiters.length;
    return Math.max(1, Math.ceil((this.averageWorkMs * ahead) / this.concurrency / 1000));
  }

  /**
   * Run `work` once a worker slot is free. Rejects with AbortedWhileWaiting if `signal` aborts
   * before the work starts; once started, the work runs to its end.
   */
  async run<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) throw new AbortedWhileWaiting('aborted before it started');
    if (this.running < this.concurrency) this.running++;
    else await this.waitForSlot(signal);
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.averageWorkMs = 0.8 * this.averageWorkMs + 0.2 * (performance.now() - start);
      // Hand the slot straight to the next in line, so a newcomer cannot take it in between.
      const next = this.waiters.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Resolves once a finishing piece of work has handed its slot over (already counted in `running`). */
  private waitForSlot(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        const at = this.waiters.indexOf(wake);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(new AbortedWhileWaiting('aborted while waiting for a worker'));
      };
      this.waiters.push(wake);
      signal.addEventListener('abort', leave, { once: true });
    });
  }
}
