// A small seeded random source for synthetic data: deterministic for a seed on every platform
// (32-bit integer arithmetic only; no Math.random).

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    // sfc32 seeded through splitmix32, so nearby seeds give unrelated streams.
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Gamma(shape, scale) by Marsaglia and Tsang. */
  gamma(shape: number, scale: number): number {
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(this.next() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  /** Poisson(mean): Knuth's method on pieces of at most 20 (exact, fine for ward-level means). */
  poisson(mean: number): number {
    let total = 0;
    let left = mean;
    while (left > 0) {
      const piece = Math.min(left, 20);
      left -= piece;
      const limit = Math.exp(-piece);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      total += k;
    }
    return total;
  }

  /** Negative binomial with this mean and size r (variance mean + mean^2 / r): a gamma-Poisson mixture. */
  negativeBinomial(mean: number, size: number): number {
    if (mean <= 0) return 0;
    return this.poisson(this.gamma(size, mean / size));
  }

  binomial(n: number, p: number): number {
    let k = 0;
    for (let i = 0; i < n; i++) if (this.next() < p) k++;
    return k;
  }

  /** Splits n into parts with these probabilities (summing to at most 1; any rest is left out). */
  multinomial(n: number, probabilities: readonly number[]): number[] {
    const out = probabilities.map(() => 0);
    for (let i = 0; i < n; i++) {
      let u = this.next();
      for (let j = 0; j < probabilities.length; j++) {
        if (u < probabilities[j]!) {
          out[j]!++;
          break;
        }
        u -= probabilities[j]!;
      }
    }
    return out;
  }

  /** 64 lower-case hex digits, like a police.uk Crime ID. */
  hex64(): string {
    let s = '';
    for (let i = 0; i < 8; i++) s += this.uint32().toString(16).padStart(8, '0');
    return s;
  }
}
