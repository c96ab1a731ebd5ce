/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on every machine, so
 * a chaos run's decisions can be replayed from its seed. Not for cryptography.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** One of `items` (which must not be empty). */
  pick<T>(items: readonly T[]): T;
  /** One key of `weights`, chosen in proportion to its weight (weights ≥ 0, at least one > 0). */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/** A generator seeded with `seed` (any integer; only its low 32 bits count). */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick(items) {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[int(0, items.length - 1)] as (typeof items)[number];
    },
    weighted(weights) {
      const entries = Object.entries(weights) as [keyof typeof weights, number][];
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      if (!(total > 0)) throw new RangeError('weighted choice needs a positive weight');
      let roll = next() * total;
      for (const [key, weight] of entries) {
        roll -= weight;
        if (roll < 0) return key;
      }
      return (entries.findLast(([, w]) => w > 0) as [keyof typeof weights, number])[0];
    },
    chance: (p) => next() < p,
  };
}

/** A seed for a run that was given none: random, printed first so the run can be replayed. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 1_000_000);
}
