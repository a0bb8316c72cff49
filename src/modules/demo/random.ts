// Seeded randomness for the demo operation: a small PRNG and the distributions the simulation
// draws from. Everything is a pure function of an `Rng` (uniform numbers in [0, 1)), so one seed
// always gives the same operation, and each helper can be tested on its own. Not for secrets.

export type Rng = () => number;

/**
 * A 32-bit hash of the parts (FNV-1a over their text, then MurmurHash3's finaliser to spread the
 * bits). Used to derive independent streams: `deriveRng(seed, 'case', 17)` does not depend on how
 * many numbers any other stream has drawn, so adding a step to one case leaves the others alone.
 */
export function hashParts(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = parts.join('\u0001');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** SplitMix32: spreads one 32-bit seed over the four words of sfc32's state. */
function splitMix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic generator): 128 bits of state, passes
 * PractRand well beyond what a demo draws, and is a few lines of 32-bit arithmetic.
 */
export function createRng(seed: number): Rng {
  const init = splitMix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next: Rng = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // The first outputs still carry the seed's structure: discard a few.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** An independent stream for one purpose (see hashParts). */
export function deriveRng(seed: number, ...labels: readonly (string | number)[]): Rng {
  return createRng(hashParts(seed, ...labels));
}

export function uniform(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng();
}

/** A whole number from min to max, both included. */
export function intBetween(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function chance(rng: Rng, probability: number): boolean {
  return rng() < probability;
}

/** A standard normal draw (Box–Muller; 1 - u keeps the logarithm away from zero). */
export function standardNormal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A lognormal draw given its median and the sigma of its logarithm: the natural shape of handling
 * and waiting times (most are short, a long tail is not). Its mean is median · e^(σ²/2).
 */
export function lognormal(rng: Rng, median: number, sigma: number): number {
  if (!(median > 0) || !(sigma >= 0)) throw new RangeError('lognormal needs median > 0 and sigma >= 0');
  return median * Math.exp(sigma * standardNormal(rng));
}

/** Knuth's product-of-uniforms method: exact, and quick while the mean is small. */
function poissonSmall(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}

const poissonChunk = 30;

/**
 * A Poisson draw. A sum of independent Poisson variables is Poisson with the summed mean, so a
 * large mean is drawn in chunks of 30, where Knuth's method is still exact and e^-mean does not
 * underflow. Work grows with the mean, which for arrivals per hour stays small.
 */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError('poisson needs a finite mean >= 0');
  let left = mean;
  let count = 0;
  while (left > poissonChunk) {
    count += poissonSmall(rng, poissonChunk);
    left -= poissonChunk;
  }
  return count + (left > 0 ? poissonSmall(rng, left) : 0);
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick needs at least one item');
  return items[Math.floor(rng() * items.length)]!;
}

/** One of the items with probability proportional to its weight. */
export function weightedPick<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
  if (!(total > 0)) throw new RangeError('weightedPick needs a positive total weight');
  let r = rng() * total;
  for (const [item, w] of items) {
    r -= Math.max(0, w);
    if (r < 0) return item;
  }
  // Rounding can leave r a hair above zero after the last item.
  return items.filter(([, w]) => w > 0).at(-1)![0];
}
