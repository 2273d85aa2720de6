/**
 * The gravity frame of a stream's map. Features need z up; a client's map frame may not be
 * (a visual odometry's camera-style frame has y down). The frame is a fixed rotation taking
 * the map's up to +z: the identity for z-up map frames (ROS's `map` and `odom`, REP 103,
 * the default), else the minimal rotation of the `map_up` the stream opened with.
 *
 * Estimating the map's up from the scans themselves was tried and left out: on a robot's
 * partial scans (a camera at about 1 m seeing mostly walls) the per-scan estimate often
 * takes a wall's normal for up, even when several scans vote, and a wrong frame costs far
 * more than the estimate could win (world-1 sequences fell from 36 to 6 mIoU).
 *
 * @module
 */

import { rotateRows, rotationToUp } from "../kernels/rotate_up.ts";

/** See the module doc. */
export class MapFrame {
  /** Client map frame → gravity frame (row-major 3×3), and its transpose. */
  readonly rotation: Float64Array;
  readonly #back: Float64Array;
  readonly #identity: boolean;

  /** @param up the map's up direction (3 numbers, not all 0; checked by the caller); default +z */
  constructor(up: readonly number[] = [0, 0, 1]) {
    this.rotation = rotationToUp(up);
    const t = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) t[3 * j + i] = this.rotation[3 * i + j];
    this.#back = t;
    this.#identity = this.rotation.every((v, i) => Math.abs(v - (i % 4 === 0 ? 1 : 0)) < 1e-12);
  }

  /** The map's up in the client's map frame, unit (the rotation's third row). */
  get up(): number[] {
    return Array.from(this.rotation.subarray(6, 9));
  }

  /** Points (Float32Array M×3) from the client's map frame into the gravity frame. */
  toGravity(points: Float32Array): Float32Array {
    return this.#identity ? points : rotateRows(points, this.rotation);
  }

  /** Points (Float32Array M×3) from the gravity frame into the client's map frame. */
  toClient(points: Float32Array): Float32Array {
    return this.#identity ? points : rotateRows(points, this.#back);
  }
}
