/**
 * Seeded randomness for data views. Deterministic on every platform, so the same
 * `seed` picks the same samples in the API, the worker and the tests.
 */

/** A function returning floats uniformly in [0, 1). */
export type Rng = () => number;

/** mulberry32: a tiny 32-bit PRNG, plenty for sampling (not for cryptography). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n) drawn from `rng`. */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher-Yates shuffle of `items` in place with a seeded generator; returns the same array. */
export function shuffleInPlace<A extends { length: number; [i: number]: any }>(items: A, rng: Rng): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/** A shuffled copy of `items`; the same seed always gives the same order. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  return shuffleInPlace([...items], mulberry32(seed));
}

/** The permutation 0..n-1 drawn from `rng`. */
export function randomPermutation(n: number, rng: Rng): Int32Array {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  return shuffleInPlace(perm, rng);
}

/** The permutation 0..n-1 shuffled with `seed`. */
export function seededPermutation(n: number, seed: number): Int32Array {
  return randomPermutation(n, mulberry32(seed));
}

/** Largest seed {@link deriveSeed} returns: seeds stay within the spec's integer range and are exact in JSON. */
const SEED_SPACE = 2 ** 31;

/**
 * A seed for one random source of a job, derived from the job's seed and a label naming the
 * source (`layer:3`, `dataset`, `dropout-step:12`...). Hashing, rather than adding an offset,
 * keeps sources apart: seed + index would hand layer 2's stream to layer 3 of the job with
 * the next seed. Deterministic everywhere; the result is an integer in [0, 2^31).
 */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  let h = Math.imul((seed >>> 0) ^ 0x85ebca6b, 0xc2b2ae35) >>> 0;
  // Seeds beyond 32 bits (the spec allows any non-negative integer) keep their high part apart.
  const high = Math.floor(seed / 2 ** 32);
  for (const ch of `${high}|${labels.join('/')}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  // murmur3's finalizer spreads every input bit over the result.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  // `^=` leaves a signed 32-bit integer: back to unsigned before the range is cut.
  return (h >>> 0) % SEED_SPACE;
}

/** A fresh seed for a job submitted without one (stored with it, so the run can be replayed). */
export function pickSeed(): number {
  return Math.floor(Math.random() * SEED_SPACE);
}
