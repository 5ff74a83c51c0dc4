// A map from a point (two doubles, compared exactly) to a small integer, for placing each distinct
// police.uk snap point once per ingest: open addressing over typed arrays, so a lookup hashes the two
// numbers' bits instead of building and hashing a "lon,lat" string (150-170k distinct points a month).

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

function hashOf(x: number, y: number): number {
  bits[0] = x;
  let h = Math.imul(words[0]! ^ Math.imul(words[1]!, 0x85ebca6b), 0x9e3779b1);
  bits[0] = y;
  h = Math.imul(h ^ words[0]!, 0xc2b2ae35) ^ Math.imul(words[1]!, 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

export class PointCache {
  private xs = new Float64Array(1 << 12);
  private ys = new Float64Array(1 << 12);
  /** The value + 1 per table position; 0 when free. */
  private values = new Int32Array(1 << 12);
  private n = 0;

  constructor(private readonly limit = 1 << 21) {}

  /** The value stored for the point, or undefined. */
  get(x: number, y: number): number | undefined {
    const mask = this.values.length - 1;
    for (let h = hashOf(x, y) & mask; ; h = (h + 1) & mask) {
      const v = this.values[h]!;
      if (v === 0) return undefined;
      if (this.xs[h] === x && this.ys[h] === y) return v - 1;
    }
  }

  /** Stores a value (a non-negative integer) for a point not stored yet. */
  set(x: number, y: number, value: number): void {
    if (this.n >= this.limit) this.clear(); // bounded: more distinct points than any month holds
    if (2 * (this.n + 1) > this.values.length) this.grow();
    this.put(x, y, value + 1);
    this.n++;
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.xs = new Float64Array(1 << 12);
    this.ys = new Float64Array(1 << 12);
    this.values = new Int32Array(1 << 12);
    this.n = 0;
  }

  private put(x: number, y: number, stored: number): void {
    const mask = this.values.length - 1;
    let h = hashOf(x, y) & mask;
    while (this.values[h] !== 0) h = (h + 1) & mask;
    this.xs[h] = x;
    this.ys[h] = y;
    this.values[h] = stored;
  }

  private grow(): void {
    const { xs, ys, values } = this;
    this.xs = new Float64Array(2 * xs.length);
    this.ys = new Float64Array(2 * ys.length);
    this.values = new Int32Array(2 * values.length);
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) this.put(xs[i]!, ys[i]!, values[i]!);
  }
}
