import assert from "node:assert/strict";
import { cosineSchedule, polySchedule } from "./lr_schedule.ts";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

Deno.test("cosineSchedule: linear warmup, peak after warmup, half-way mean, min at the end", () => {
  const lr = cosineSchedule({ base: 1, total: 12, warmup: 2, min: 0.1 });
  close(lr(0), 0.5);
  close(lr(1), 1);
  close(lr(2), 1);
  // decay spans steps 2..11 (9 intervals): progress 0.5 at step 6.5 → check symmetry instead
  close(lr(11), 0.1);
  close(lr(100), 0.1);
  close(lr(2 + 9 / 3), 0.1 + 0.9 * (1 + Math.cos(Math.PI / 3)) / 2);
  for (let s = 2; s < 11; s++) assert.ok(lr(s + 1) < lr(s));
});

Deno.test("polySchedule: (1 − progress)^power decay, no warmup by default", () => {
  const lr = polySchedule({ base: 2, total: 10, power: 2 });
  close(lr(0), 2);
  close(lr(5), 2 * 0.25);
  close(lr(10), 0);
  close(lr(20), 0);
});
