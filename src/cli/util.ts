import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, Option } from 'commander';

export function intOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return n;
}

export function floatOption(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return n;
}

export function probabilityOption(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`expected a probability between 0 and 1, got "${value}"`);
  return n;
}

/** An option whose value must be one of `values`: commander refuses any other, naming the allowed ones. */
export function choiceOption(flags: string, description: string, values: readonly string[], defaultValue?: string): Option {
  const option = new Option(flags, description).choices(values);
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** `--mask-threshold`: overrides the segmenter's own threshold for this run (see withMaskThreshold). */
export function maskThresholdOption(): Option {
  return new Option('--mask-threshold <p>', 'probability above which a pixel is lesion (default: the segmenter\'s maskThreshold in its dermkit.json)').argParser(probabilityOption);
}

/**
 * A progress bar with rate and ETA on stderr (cli-progress; only when stderr is a terminal):
 * `clear()` before printing a line (the next update redraws the bar below it), `stop()` at the end.
 */
export function progressLine(total: number, enabled = true): { update(done: number): void; clear(): void; stop(): void } {
  if (!enabled || process.stderr.isTTY !== true) return { update() {}, clear() {}, stop() {} };
  const start = performance.now();
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{bar} {value}/{total}  {rate} img/s  ETA {eta_formatted}',
    clearOnComplete: true,
    hideCursor: true,
  }, Presets.shades_classic);
  bar.start(total, 0, { rate: '0.00' });
  return {
    update(done) {
      bar.update(done, { rate: (done / Math.max((performance.now() - start) / 1000, 1e-9)).toFixed(2) });
    },
    clear() {
      process.stderr.write('\r\x1b[K');
    },
    stop() {
      bar.stop();
    },
  };
}

