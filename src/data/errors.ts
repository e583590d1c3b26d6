/** One thing wrong with a dataset: the file it concerns and what is wrong with it. */
export interface DatasetProblem {
  file: string;
  problem: string;
}

/** How many problems the error message lists before summarising the rest as a count. */
const PROBLEMS_IN_MESSAGE = 20;

/**
 * Everything wrong with a dataset, reported at once: fixing a 10,000-image dataset one error per
 * run would be miserable. `problems` holds the full list; the message shows the first few.
 */
export class DatasetError extends Error {
  declare readonly problems: DatasetProblem[];

  constructor(summary: string, problems: DatasetProblem[]) {
    const shown = problems.slice(0, PROBLEMS_IN_MESSAGE).map((p) => `  ${p.file}: ${p.problem}`);
    const more = problems.length > PROBLEMS_IN_MESSAGE ? [`  ... and ${problems.length - PROBLEMS_IN_MESSAGE} more`] : [];
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super([`${summary} (${count}):`, ...shown, ...more].join('\n'));
    this.name = 'DatasetError';
    // Non-enumerable: an uncaught error then prints its message, not thousands of list entries.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
  }
}

/** Collects problems while a dataset is read, then throws them together. */
export class ProblemList {
  readonly items: DatasetProblem[] = [];

  add(file: string, problem: string): void {
    this.items.push({ file, problem });
  }

  throwIfAny(summary: string): void {
    if (this.items.length > 0) throw new DatasetError(summary, this.items);
  }
}
