/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so that a history is a pure function
 * of its options: no Math.random, no wall clock. sfc32 passes PractRand at this size and is
 * a few additions per draw, which matters when 100k customers draw every simulated day.
 */

/** splitmix32 step: a good 32-bit mixer, used to spread seeds over the sfc32 state. */
export function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Folds several integers (seed, stream, index …) into one 32-bit seed. */
export function combineSeeds(...parts: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    // Two 32-bit halves so that seeds above 2^32 still matter.
    const low = part >>> 0;
    const high = Math.floor(part / 0x1_0000_0000) >>> 0;
    h = mix32(h ^ low);
    h = mix32(h ^ high);
  }
  return h;
}

/** FNV-1a of a string; used for stream names and lane hashing. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const DASH = '-'.charCodeAt(0);
/** Where the dashes of the 8-4-4-4-12 layout go. */
const UUID_DASHES = new Set([8, 13, 18, 23]);
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = mix32(seed);
    this.b = mix32(this.a ^ 0x6a09e667);
    this.c = mix32(this.b ^ 0xbb67ae85);
    this.d = 1;
    // Discard the first outputs: sfc32 needs a few rounds to decorrelate nearby seeds.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A generator for one named sub-stream (e.g. one customer) of a seed. */
  static forStream(seed: number, ...stream: readonly number[]): SeededRandom {
    return new SeededRandom(combineSeeds(seed, ...stream));
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  between(min: number, max: number): number {
    return min + this.float() * (max - min);
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)];
  }

  /** One value by relative weight: `[[value, weight], …]`. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of entries) total += weight;
    let roll = this.float() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1][0];
  }

  /** Standard normal (Box–Muller; the second value is dropped to keep the state simple). */
  normal(): number {
    const u = 1 - this.float(); // (0, 1]: log(0) would be -Infinity
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A random (version 4, RFC variant) UUID drawn from this generator: reproducible ids. */
  uuid(): string {
    const words = [this.uint32(), this.uint32(), this.uint32(), this.uint32()];
    // Version nibble (hex digit 12) = 4; variant bits (top of hex digit 16) = 10.
    words[1] = ((words[1] & 0xffff0fff) | 0x00004000) >>> 0;
    words[2] = ((words[2] & 0x3fffffff) | 0x80000000) >>> 0;
    // Built from char codes in one go: a flat string, not a tree of concatenations (the
    // generator keeps some ids for causation links, and cons strings cost ~30 bytes per piece).
    const codes = new Array<number>(36);
    let digit = 0;
    for (let i = 0; i < 36; i++) {
      if (UUID_DASHES.has(i)) {
        codes[i] = DASH;
        continue;
      }
      const word = words[digit >>> 3];
      codes[i] = HEX_CODES[(word >>> (28 - 4 * (digit & 7))) & 0xf];
      digit++;
    }
    return String.fromCharCode(...codes);
  }
}
