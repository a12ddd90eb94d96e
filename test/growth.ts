/**
 * How the time of an operation grows with its input, measured within one run so the machine's
 * load cancels out: no absolute wall-clock figure is asserted, only the ratio between sizes. A
 * linear operation on an input four times larger takes about four times as long; a quadratic one
 * sixteen, a cubic one sixty-four.
 */

/**
 * Seconds per call of `fn(input)`: the fastest of several trials, each repeating the call for at
 * least `minMs`. Trials stop after `budgetMs` in all (a pathological call is slow enough alone).
 */
export function secondsPerCall(fn: () => unknown, trials = 7, minMs = 4, budgetMs = 250): number {
  let best = Number.POSITIVE_INFINITY;
  const began = performance.now();
  for (let t = 0; t < trials && (t === 0 || performance.now() - began < budgetMs); t++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      fn();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < minMs);
    best = Math.min(best, elapsed / calls / 1000);
  }
  return best;
}

/** The ratio time(make(large)) / time(make(small)): about large/small when the work is linear. */
export function growthRatio<T>(make: (size: number) => T, run: (input: T) => unknown, small: number, large: number): number {
  const a = make(small);
  const b = make(large);
  secondsPerCall(() => run(a), 1, 1); // warm up the code paths first
  return secondsPerCall(() => run(b)) / secondsPerCall(() => run(a));
}

/**
 * Sizes 16 times apart and the largest ratio a linear operation may show between them: linear work
 * gives about 16 (less while fixed costs dominate), quadratic 256, cubic 4,096. The margin of four
 * absorbs a loaded machine's noise.
 */
export const SMALL = 32;
export const LARGE = 512;
export const LINEAR_LIMIT = 64;
