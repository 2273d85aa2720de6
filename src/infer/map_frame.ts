/**
 * The gravity frame of a stream's map. Features need z up; a client's map frame may not be
 * (a visual odometry's camera-style frame has y down). The frame is a fixed rotation taking
 * the map's up to +z: given when the stream opens (`map_up`), else estimated on the fused
 * scans (`infer/gravity.ts` on each scan in the map frame) until one estimate is confident
 * (or {@link MAX_FRAME_TRIES} scans were tried: then it stays as it is). Until it settles,
 * scans are fused in the frame their own estimate gave; when it settles on another one, the
 * map holding them must be emptied (their voxels are in the wrong frame).
 *
 * @module
 */

import { rotateRows, rotationToUp } from "../kernels/rotate_up.ts";
import { MIN_UP_CONFIDENCE } from "./gravity.ts";

/** Scans estimated at most before the frame settles as it is. */
export const MAX_FRAME_TRIES = 20;

/** What the features of the next fused scan need. */
export type FrameRequest = { frame: Float64Array } | { estimateFrame: true };

const IDENTITY = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);

/** See the module doc. */
export class MapFrame {
  /** Client map frame → gravity frame (row-major 3×3), and its transpose. */
  #rotation: Float64Array = IDENTITY;
  #back: Float64Array = IDENTITY;
  #identity = true;
  #settled = false;
  #tries = 0;

  /** @param up the map's up direction (3 numbers, checked by the caller); absent = estimate */
  constructor(up?: readonly number[]) {
    if (up) {
      this.#set(rotationToUp(up));
      this.#settled = true;
    }
  }

  /** Whether the frame is fixed for the rest of the stream. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The map's up in the client's map frame (the rotation's third row), once settled. */
  get up(): number[] | undefined {
    return this.#settled ? Array.from(this.#rotation.subarray(6, 9)) : undefined;
  }

  /** The gravity frame for the next fused scan, or a request to estimate it there. */
  request(): FrameRequest {
    return this.#settled ? { frame: this.#rotation } : { estimateFrame: true };
  }

  /**
   * Takes the frame a fused scan's features were computed in.
   *
   * @param frame rotation (9, row-major) the scan went through
   * @param confidence of its up estimate in [0, 1] (1 when given)
   * @returns true when it differs from the frame of the scans fused before (empty the map)
   */
  adopt(frame: ArrayLike<number>, confidence: number): boolean {
    if (this.#settled) return false;
    this.#tries++;
    if (confidence >= MIN_UP_CONFIDENCE || this.#tries >= MAX_FRAME_TRIES) this.#settled = true;
    let same = true;
    for (let i = 0; i < 9; i++) same &&= Math.abs(frame[i] - this.#rotation[i]) < 1e-9;
    if (!same) this.#set(Float64Array.from(frame));
    return !same;
  }

  /** Points (Float32Array M×3) from the client's map frame into the gravity frame. */
  toGravity(points: Float32Array): Float32Array {
    return this.#identity ? points : rotateRows(points, this.#rotation);
  }

  /** Points (Float32Array M×3) from the gravity frame into the client's map frame. */
  toClient(points: Float32Array): Float32Array {
    return this.#identity ? points : rotateRows(points, this.#back);
  }

  #set(rotation: Float64Array): void {
    this.#rotation = rotation;
    const t = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) t[3 * j + i] = rotation[3 * i + j];
    this.#back = t;
    this.#identity = rotation.every((v, i) => Math.abs(v - IDENTITY[i]) < 1e-12);
  }
}
