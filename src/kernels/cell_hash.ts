/**
 * Open-addressing hash set of integer 3D cells, numbering cells in order of
 * first insertion. Shared by the voxel grid and the neighbour-search grid.
 *
 * @module
 */

/** Mixes three int32 cell coordinates into a well-spread 32-bit hash. */
export function hashCell(ix: number, iy: number, iz: number): number {
  let h = Math.imul(ix, 0x9e3779b1) ^ Math.imul(iy, 0x85ebca77) ^ Math.imul(iz, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

/**
 * Map from integer cell (ix, iy, iz) (each a 32-bit signed integer) to a dense
 * id 0..count−1, ids given in order of first insertion.
 */
export class CellHash {
  /** Number of distinct cells inserted. */
  count = 0;
  /** Cell coordinates of id i at [3i, 3i+1, 3i+2] (Int32Array, capacity ≥ 3·count). */
  keys: Int32Array;
  private table: Int32Array;
  private mask: number;

  /** @param expected number of distinct cells expected (the table grows past it) */
  constructor(expected: number) {
    let cap = 16;
    while (cap < 2 * expected) cap *= 2;
    this.table = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.keys = new Int32Array(3 * Math.max(8, Math.min(expected, cap >>> 1)));
  }

  /** Id of cell (ix, iy, iz), or −1 when it was never inserted. */
  find(ix: number, iy: number, iz: number): number {
    const table = this.table, keys = this.keys, mask = this.mask;
    let slot = hashCell(ix, iy, iz) & mask;
    for (;;) {
      const id = table[slot];
      if (id < 0) return -1;
      const o = 3 * id;
      if (keys[o] === ix && keys[o + 1] === iy && keys[o + 2] === iz) return id;
      slot = (slot + 1) & mask;
    }
  }

  /** Id of cell (ix, iy, iz), inserting it with the next id when new. */
  insert(ix: number, iy: number, iz: number): number {
    const table = this.table, keys = this.keys, mask = this.mask;
    let slot = hashCell(ix, iy, iz) & mask;
    for (;;) {
      const id = table[slot];
      if (id < 0) break;
      const o = 3 * id;
      if (keys[o] === ix && keys[o + 1] === iy && keys[o + 2] === iz) return id;
      slot = (slot + 1) & mask;
    }
    const id = this.count++;
    if (3 * this.count > keys.length) {
      const grown = new Int32Array(2 * keys.length);
      grown.set(keys);
      this.keys = grown;
    }
    const k = this.keys;
    k[3 * id] = ix;
    k[3 * id + 1] = iy;
    k[3 * id + 2] = iz;
    table[slot] = id;
    if (2 * this.count > table.length) this.grow();
    return id;
  }

  private grow(): void {
    const cap = this.table.length * 2;
    const table = new Int32Array(cap).fill(-1);
    const mask = cap - 1, keys = this.keys;
    for (let id = 0; id < this.count; id++) {
      let slot = hashCell(keys[3 * id], keys[3 * id + 1], keys[3 * id + 2]) & mask;
      while (table[slot] >= 0) slot = (slot + 1) & mask;
      table[slot] = id;
    }
    this.table = table;
    this.mask = mask;
  }
}
