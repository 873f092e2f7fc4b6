// A tiny seeded PRNG (mulberry32) and the draws the scenarios need, so that two runs with the
// same seed lay down exactly the same populations.

export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A string's 32-bit FNV-1a hash: derives independent sub-seeds from names. */
export function hash32(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }

  /** A generator of its own for `name`, independent of how much this one has drawn. */
  fork(name) {
    return new Rng(hash32(`${Math.floor(this.next() * 2 ** 32)}:${name}`));
  }

  float() {
    return this.next();
  }

  /** An integer in [lo, hi], both included. */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p) {
    return this.next() < p;
  }

  pick(xs) {
    return xs[Math.floor(this.next() * xs.length)];
  }

  /** `pairs` = [[value, weight], …]. */
  weighted(pairs) {
    const total = pairs.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [v, w] of pairs) {
      x -= w;
      if (x < 0) return v;
    }
    return pairs[pairs.length - 1][0];
  }

  /** Roughly normal (sum of three uniforms), mean 0, standard deviation about `sd`. */
  normal(sd = 1) {
    return (this.next() + this.next() + this.next() - 1.5) * 2 * sd;
  }

  shuffle(xs) {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  /** A first-party browser id as the browser package makes one: 32 hex digits. */
  browserId() {
    let s = "";
    for (let i = 0; i < 4; i++) s += Math.floor(this.next() * 2 ** 32).toString(16).padStart(8, "0");
    return s;
  }
}
