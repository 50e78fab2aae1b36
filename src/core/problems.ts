/** What a problem in a spec looks like before it becomes a 400 answer. */
export interface SpecProblem {
  path: string; // JSON pointer, e.g. /model/layers/2/units
  message: string;
}

/** Thrown by pure modules for input the user must change; the API maps it to 400. */
export class SpecError extends Error {
  constructor(
    message: string,
    readonly details: SpecProblem[] = [],
  ) {
    super(message);
    this.name = 'SpecError';
  }
}

/** Escapes one JSON pointer segment (RFC 6901: `~` -> `~0`, `/` -> `~1`). */
export function escapePointer(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Builds a JSON pointer from a base pointer ('' for the root) and segments. */
export function pointer(base: string, ...segments: Array<string | number>): string {
  return base + segments.map((s) => '/' + escapePointer(s)).join('');
}

/**
 * Collects problems in user input and throws them as one {@link SpecError}.
 * Stops collecting after `max`, because a broken upload can have millions of bad cells
 * and the user only needs the first few to see the pattern.
 */
export class ProblemCollector {
  readonly problems: SpecProblem[] = [];

  constructor(
    private readonly summary: string,
    private readonly max = 10,
  ) {}

  /** Records a problem (ignored once full); returns false once full so loops can stop early. */
  add(path: string, message: string): boolean {
    if (this.problems.length < this.max) this.problems.push({ path, message });
    return this.problems.length < this.max;
  }

  get full(): boolean {
    return this.problems.length >= this.max;
  }

  /** Throws a SpecError when any problem was recorded. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const first = this.problems[0];
    const more = this.problems.length - 1;
    // Callers stop scanning once full, so past `max` the true count is unknown.
    const suffix = this.full ? ` (and ${more} more; only the first ${this.max} problems are listed)` : more > 0 ? ` (and ${more} more)` : '';
    throw new SpecError(`${this.summary}: ${first.path || '/'}: ${first.message}${suffix}`, this.problems);
  }
}

/** Throws a SpecError with a single problem. */
export function specError(path: string, message: string): never {
  throw new SpecError(`${path || '/'}: ${message}`, [{ path, message }]);
}
