import assert from "node:assert/strict";
import process from "node:process";
import { tempFolderName, tempOwner, tempWriterGone } from "./registry_temps.ts";

Deno.test("temp folder names carry their writer; gone writers are recognised", async () => {
  const mine = tempFolderName();
  assert.equal(tempOwner(mine)?.pid, process.pid);
  assert.ok(tempWriterGone(mine, 0), "this pid, older than this process: an earlier life");
  assert.equal(tempWriterGone(mine, Date.now()), false, "this process's own publish in progress");
  // A finished child process on this host is gone; a live one (this test's parent) is not.
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", "1"] }).spawn();
  await child.status;
  const dead = mine.replace(`-${process.pid}-`, `-${child.pid}-`);
  assert.ok(tempWriterGone(dead, Date.now()));
  const parent = mine.replace(`-${process.pid}-`, `-${process.ppid}-`);
  assert.equal(tempWriterGone(parent, 0), false);
  // Another host, or an old-style name without a writer: never judged gone.
  assert.equal(tempWriterGone(dead.replace(/-[0-9a-f]+$/, "-6f74686572"), 0), false);
  assert.equal(tempOwner(".tmp-0b9c9a3e-2f57-4d2e-9c43-0d7f1b2a4c55"), null);
  assert.equal(tempWriterGone(".tmp-0b9c9a3e-2f57-4d2e-9c43-0d7f1b2a4c55", 0), false);
});
