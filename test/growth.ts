/**
 * How the work of an operation grows with its input, measured within one run: no absolute time is
 * asserted, only the ratio between two input sizes. Work is counted in CPU time of this process
 * (`process.cpuUsage`), not wall-clock time, so other processes on a loaded machine do not enter
 * the figure. A linear operation on an input 16 times larger takes about 16 times the work (less
 * while fixed costs dominate); a quadratic one 256 times, a cubic one 4,096 times.
 */

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * CPU seconds per call of `fn`: the least of several trials, each repeating the call until it has
 * used `minMs` of CPU. Trials stop after `budgetMs` in all (a pathological call is slow enough alone).
 */
export function secondsPerCall(fn: () => unknown, trials = 7, minMs = 5, budgetMs = 250): number {
  let best = Number.POSITIVE_INFINITY;
  const began = cpuMicros();
  for (let t = 0; t < trials && (t === 0 || cpuMicros() - began < budgetMs * 1000); t++) {
    let calls = 0;
    const start = cpuMicros();
    let used = 0;
    do {
      fn();
      calls++;
      used = cpuMicros() - start;
    } while (used < minMs * 1000);
    best = Math.min(best, used / calls / 1e6);
  }
  return best;
}

/**
 * The ratio work(make(large)) / work(make(small)): about large/small when the work is linear.
 * A ratio over LINEAR_LIMIT is measured again, up to three times in all, and the least is kept:
 * a collection or another thread's work landing in one measurement inflates it once, while
 * quadratic work shows 256 every time (both engines' full suites on a shared machine saw a
 * linear sanitiser case reach 95 once).
 */
export function growthRatio<T>(make: (size: number) => T, run: (input: T) => unknown, small: number, large: number): number {
  const a = make(small);
  const b = make(large);
  secondsPerCall(() => run(a), 1, 1); // warm the code paths up first
  secondsPerCall(() => run(b), 1, 1);
  let ratio = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && ratio > LINEAR_LIMIT; attempt++) {
    ratio = Math.min(ratio, secondsPerCall(() => run(b)) / secondsPerCall(() => run(a)));
  }
  return ratio;
}

/**
 * Input sizes 16 times apart, and the largest ratio linear work may show between them: linear gives
 * about 16 (less while fixed costs dominate), quadratic 256, cubic 4,096. The margin of four
 * absorbs garbage collection, which grows with the bytes an input makes a call allocate.
 */
export const SMALL = 32;
export const LARGE = 512;
export const LINEAR_LIMIT = 64;

/** `secondsPerCall` for an asynchronous call (a request through the real server, say). */
export async function secondsPerCallAsync(fn: () => Promise<unknown>, trials = 5, minMs = 20, budgetMs = 1500): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  const began = cpuMicros();
  for (let t = 0; t < trials && (t === 0 || cpuMicros() - began < budgetMs * 1000); t++) {
    let calls = 0;
    const start = cpuMicros();
    let used = 0;
    do {
      await fn();
      calls++;
      used = cpuMicros() - start;
    } while (used < minMs * 1000);
    best = Math.min(best, used / calls / 1e6);
  }
  return best;
}

/** `growthRatio` for an asynchronous call. */
export async function growthRatioAsync<T>(make: (size: number) => T, run: (input: T) => Promise<unknown>, small: number, large: number): Promise<number> {
  const a = make(small);
  const b = make(large);
  await secondsPerCallAsync(() => run(a), 1, 2);
  await secondsPerCallAsync(() => run(b), 1, 2);
  let ratio = Number.POSITIVE_INFINITY; // measured again when over the limit, as growthRatio does
  for (let attempt = 0; attempt < 3 && ratio > LINEAR_LIMIT; attempt++) {
    ratio = Math.min(ratio, (await secondsPerCallAsync(() => run(b))) / (await secondsPerCallAsync(() => run(a))));
  }
  return ratio;
}
