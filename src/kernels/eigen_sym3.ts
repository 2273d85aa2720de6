/**
 * Eigen-decomposition of symmetric 3×3 matrices (non-iterative, after
 * D. Eberly, "A Robust Eigensolver for 3×3 Symmetric Matrices"): eigenvalues
 * from the trigonometric solution of the characteristic cubic, eigenvectors
 * from cross products of the rows of A − λI for the best-separated
 * eigenvalue and a 2×2 reduction in its orthogonal complement for the next,
 * so repeated eigenvalues still give an orthonormal basis; eigenvalues are
 * then refined as Rayleigh quotients.
 *
 * @module
 */

/** Eigenvalues and eigenvectors of a symmetric 3×3 matrix. */
export interface Eigen3 {
  /** Float64Array 3: eigenvalues, ascending. */
  values: Float64Array;
  /** Float64Array 9, row-major 3×3: column i is the unit eigenvector of values[i]. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of the symmetric matrix given by its upper triangle.
 *
 * @param cov 6 numbers: xx, xy, xz, yy, yz, zz (finite)
 * @returns ascending eigenvalues and a right-handed orthonormal eigenvector basis (columns)
 */
export function eigenSym3(cov: ArrayLike<number>): Eigen3 {
  const values = new Float64Array(3);
  const vectors = new Float64Array(9);
  eigenSym3Into(cov, values, vectors);
  return { values, vectors };
}

/** Scratch: the three working vectors, and the scaled matrix (upper triangle). */
const W = new Float64Array(9);
const A = new Float64Array(6);
/** Scratch: the result of `unitPair`. */
const PAIR = new Float64Array(2);

/**
 * Same as `eigenSym3` but writes into caller-owned arrays (no allocation).
 *
 * @param cov 6 numbers: xx, xy, xz, yy, yz, zz
 * @param values out, length ≥ 3: ascending eigenvalues
 * @param vectors out, length ≥ 9: row-major 3×3, column i = unit eigenvector of values[i]
 */
export function eigenSym3Into(
  cov: ArrayLike<number>,
  values: Float64Array,
  vectors: Float64Array,
): void {
  let a00 = cov[0], a01 = cov[1], a02 = cov[2], a11 = cov[3], a12 = cov[4], a22 = cov[5];
  const scale = Math.max(
    Math.abs(a00),
    Math.abs(a01),
    Math.abs(a02),
    Math.abs(a11),
    Math.abs(a12),
    Math.abs(a22),
  );
  if (!(scale > 0) || !Number.isFinite(scale)) {
    const v = scale === 0 ? 0 : NaN;
    values[0] = values[1] = values[2] = v;
    identity(vectors);
    return;
  }
  const is = 1 / scale;
  a00 *= is;
  a01 *= is;
  a02 *= is;
  a11 *= is;
  a12 *= is;
  a22 *= is;
  const norm = a01 * a01 + a02 * a02 + a12 * a12;
  const q = (a00 + a11 + a22) / 3;
  const b00 = a00 - q, b11 = a11 - q, b22 = a22 - q;
  const p = Math.sqrt((b00 * b00 + b11 * b11 + b22 * b22 + 2 * norm) / 6);
  if (p < 1e-150 || norm === 0 && b00 === 0 && b11 === 0 && b22 === 0) {
    values[0] = values[1] = values[2] = q * scale;
    identity(vectors);
    return;
  }
  if (norm === 0) {
    diagonal([a00, a11, a22], values, vectors);
    for (let i = 0; i < 3; i++) values[i] *= scale;
    return;
  }
  const c00 = b11 * b22 - a12 * a12;
  const c01 = a01 * b22 - a12 * a02;
  const c02 = a01 * a12 - b11 * a02;
  const det = (b00 * c00 - a01 * c01 + a02 * c02) / (p * p * p);
  const halfDet = Math.min(Math.max(det * 0.5, -1), 1);
  const angle = Math.acos(halfDet) / 3;
  const beta2 = Math.cos(angle) * 2;
  const beta0 = Math.cos(angle + (2 * Math.PI) / 3) * 2;
  const beta1 = -(beta0 + beta2);
  const e0 = q + p * beta0, e2 = q + p * beta2;
  const e1 = Math.min(Math.max(q + p * beta1, e0), e2);
  // W holds three vectors: the eigenvector of the best-separated extreme
  // eigenvalue, that of the middle one, and their cross product.
  A[0] = a00;
  A[1] = a01;
  A[2] = a02;
  A[3] = a11;
  A[4] = a12;
  A[5] = a22;
  const reversed = halfDet >= 0;
  firstVector(reversed ? e2 : e0);
  secondVector(e1);
  W[6] = W[1] * W[5] - W[2] * W[4];
  W[7] = W[2] * W[3] - W[0] * W[5];
  W[8] = W[0] * W[4] - W[1] * W[3];
  for (let r = 0; r < 3; r++) {
    vectors[3 * r] = reversed ? -W[6 + r] : W[r];
    vectors[3 * r + 1] = W[3 + r];
    vectors[3 * r + 2] = W[(reversed ? 0 : 6) + r];
  }
  // Rayleigh quotients: the trigonometric roots lose about half the digits
  // of a (nearly) repeated pair; vᵀAv of the orthonormal vectors does not.
  for (let c = 0; c < 3; c++) {
    const x = vectors[c], y = vectors[3 + c], z = vectors[6 + c];
    values[c] = (a00 * x * x + a11 * y * y + a22 * z * z +
      2 * (a01 * x * y + a02 * x * z + a12 * y * z)) * scale;
  }
  if (values[1] < values[0]) values[1] = values[0];
  if (values[2] < values[1]) values[2] = values[1];
}

function identity(v: Float64Array): void {
  v.fill(0, 0, 9);
  v[0] = v[4] = v[8] = 1;
}

/** Diagonal matrix: eigenvalues are the diagonal, sorted with their axes. */
function diagonal(d: number[], values: Float64Array, vectors: Float64Array): void {
  const axes = [0, 1, 2].sort((i, j) => d[i] - d[j] || i - j);
  vectors.fill(0, 0, 9);
  for (let c = 0; c < 3; c++) {
    values[c] = d[axes[c]];
    vectors[3 * axes[c] + c] = 1;
  }
}

/** W[0..2] ← unit eigenvector of eigenvalue e (rows of A − eI are nearly dependent). */
function firstVector(e: number): void {
  const r00 = A[0] - e, r01 = A[1], r02 = A[2];
  const r11 = A[3] - e, r12 = A[4], r22 = A[5] - e;
  // Cross products of the row pairs (rows: (r00 r01 r02), (r01 r11 r12), (r02 r12 r22)).
  const x0 = r01 * r12 - r02 * r11, y0 = r02 * r01 - r00 * r12, z0 = r00 * r11 - r01 * r01;
  const x1 = r01 * r22 - r02 * r12, y1 = r02 * r02 - r00 * r22, z1 = r00 * r12 - r01 * r02;
  const x2 = r11 * r22 - r12 * r12, y2 = r12 * r02 - r01 * r22, z2 = r01 * r12 - r11 * r02;
  const d0 = x0 * x0 + y0 * y0 + z0 * z0;
  const d1 = x1 * x1 + y1 * y1 + z1 * z1;
  const d2 = x2 * x2 + y2 * y2 + z2 * z2;
  let x = x0, y = y0, z = z0, d = d0;
  if (d1 > d) {
    x = x1, y = y1, z = z1, d = d1;
  }
  if (d2 > d) {
    x = x2, y = y2, z = z2, d = d2;
  }
  const inv = 1 / Math.sqrt(d);
  W[0] = x * inv;
  W[1] = y * inv;
  W[2] = z * inv;
}

/**
 * W[3..5] ← unit eigenvector of eigenvalue e orthogonal to W[0..2], found by
 * solving the 2×2 problem in the orthogonal complement (robust when e is repeated).
 */
function secondVector(e: number): void {
  const w0 = W[0], w1 = W[1], w2 = W[2];
  let ux: number, uy: number, uz: number;
  if (Math.abs(w0) > Math.abs(w1)) {
    const il = 1 / Math.sqrt(w0 * w0 + w2 * w2);
    ux = -w2 * il, uy = 0, uz = w0 * il;
  } else {
    const il = 1 / Math.sqrt(w1 * w1 + w2 * w2);
    ux = 0, uy = w2 * il, uz = -w1 * il;
  }
  const vx = w1 * uz - w2 * uy, vy = w2 * ux - w0 * uz, vz = w0 * uy - w1 * ux;
  const aux = A[0] * ux + A[1] * uy + A[2] * uz;
  const auy = A[1] * ux + A[3] * uy + A[4] * uz;
  const auz = A[2] * ux + A[4] * uy + A[5] * uz;
  const avx = A[0] * vx + A[1] * vy + A[2] * vz;
  const avy = A[1] * vx + A[3] * vy + A[4] * vz;
  const avz = A[2] * vx + A[4] * vy + A[5] * vz;
  const m00 = ux * aux + uy * auy + uz * auz - e;
  const m01 = ux * avx + uy * avy + uz * avz;
  const m11 = vx * avx + vy * avy + vz * avz - e;
  const a00 = Math.abs(m00), a01 = Math.abs(m01), a11 = Math.abs(m11);
  // (cu, cv): the unit null vector of the row of M with the larger diagonal.
  let cu = 1, cv = 0;
  if (a00 >= a11) {
    if (Math.max(a00, a01) > 0) {
      unitPair(m00, m01);
      cu = PAIR[1], cv = -PAIR[0];
    }
  } else if (Math.max(a11, a01) > 0) {
    unitPair(m11, m01);
    cu = PAIR[0], cv = -PAIR[1];
  }
  W[3] = cu * ux + cv * vx;
  W[4] = cu * uy + cv * vy;
  W[5] = cu * uz + cv * vz;
}

/**
 * PAIR ← (d, o) scaled to unit length, dividing by the larger magnitude first (by d on a
 * tie) so that it neither overflows nor underflows; the larger one comes out positive.
 * Not both 0.
 */
function unitPair(d: number, o: number): void {
  if (Math.abs(d) >= Math.abs(o)) {
    o /= d;
    d = 1 / Math.sqrt(1 + o * o);
    o *= d;
  } else {
    d /= o;
    o = 1 / Math.sqrt(1 + d * d);
    d *= o;
  }
  PAIR[0] = d;
  PAIR[1] = o;
}
