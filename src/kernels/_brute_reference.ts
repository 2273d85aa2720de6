/**
 * Slow, obviously-correct references for the tests of the segmentation and
 * descriptor kernels: brute-force neighbours, covariance and a Jacobi
 * eigen-solver independent of `eigen_sym3.ts`.
 *
 * @module
 */

import type { Neighbors } from "./neighbor_search.ts";

/**
 * Brute-force k-nearest neighbours, O(N²), in the layout of `knnSearch`
 * (sorted by (dist2, index), −1/+Infinity padded).
 *
 * @param coord Float32Array N×3, metres
 * @param k neighbours per point (including the point itself)
 * @returns Neighbors with `index` Int32Array N×k and `dist2` Float32Array N×k (m²)
 */
export function bruteKnn(coord: Float32Array, k: number): Neighbors {
  const n = coord.length / 3;
  const index = new Int32Array(n * k).fill(-1);
  const dist2 = new Float32Array(n * k).fill(Infinity);
  const d = new Float64Array(n);
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    order.length = 0;
    for (let j = 0; j < n; j++) {
      const dx = coord[3 * i] - coord[3 * j];
      const dy = coord[3 * i + 1] - coord[3 * j + 1];
      const dz = coord[3 * i + 2] - coord[3 * j + 2];
      d[j] = Math.fround(dx * dx + dy * dy + dz * dz);
      order.push(j);
    }
    order.sort((p, q) => d[p] - d[q] || p - q);
    for (let s = 0; s < Math.min(k, n); s++) {
      index[i * k + s] = order[s];
      dist2[i * k + s] = d[order[s]];
    }
  }
  return { k, index, dist2 };
}

/**
 * Population covariance (6 values xx, xy, xz, yy, yz, zz) of the listed points.
 *
 * @param coord Float32Array N×3, metres
 * @param members indices of the points
 */
export function bruteCovariance(coord: Float32Array, members: number[]): number[] {
  const m = members.length;
  const mean = [0, 1, 2].map((c) => members.reduce((a, i) => a + coord[3 * i + c], 0) / m);
  const pairs = [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]];
  return pairs.map(([a, b]) =>
    members.reduce(
      (acc, i) => acc + (coord[3 * i + a] - mean[a]) * (coord[3 * i + b] - mean[b]),
      0,
    ) / m
  );
}

/**
 * Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations.
 *
 * @param cov 6 values xx, xy, xz, yy, yz, zz
 * @returns eigenvalues descending, with `vectors[i]` the unit eigenvector of `values[i]`
 */
export function jacobiEigen3(cov: number[]): { values: number[]; vectors: number[][] } {
  const a = [[cov[0], cov[1], cov[2]], [cov[1], cov[3], cov[4]], [cov[2], cov[4], cov[5]]];
  const v = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let sweep = 0; sweep < 50; sweep++) {
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]]) {
      if (Math.abs(a[p][q]) < 1e-300) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k][p], akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p][k], aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p], vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[j][j] - a[i][i]);
  return {
    values: order.map((i) => a[i][i]),
    vectors: order.map((i) => [v[0][i], v[1][i], v[2][i]]),
  };
}

/**
 * The seven eigen features of `eigen_features.ts`, computed from the Jacobi
 * decomposition of a covariance.
 *
 * @param cov 6 values xx, xy, xz, yy, yz, zz
 */
export function bruteEigenFeatures(cov: number[]): number[] {
  const { values, vectors } = jacobiEigen3(cov);
  const [l1, l2, l3] = values.map((x) => Math.max(x, 0));
  if (!(l1 > 1e-12)) return [0, 0, 0, 0, 0, 0, 0];
  const sum = l1 + l2 + l3;
  return [
    (l1 - l2) / l1,
    (l2 - l3) / l1,
    l3 / l1,
    (3 * Math.cbrt(l1 * l2 * l3)) / sum,
    (3 * l3) / sum,
    l2 - l3 <= 1e-3 * l1 ? 0.5 : 1 - Math.abs(vectors[2][2]),
    l1 - l2 <= 1e-3 * l1 ? 0.5 : Math.abs(vectors[0][2]),
  ];
}
