/**
 * GeoGuide command line: `deno task cli <command> [args]`.
 *
 * Each command lives in `src/commands/<name>.ts` and exports
 * `run(args: string[]): Promise<number>` returning the exit code. Commands
 * are loaded on demand so that `info` does not pay for the server's imports.
 *
 * @module
 */

import process from "node:process";

/** Command names and one-line help, in the order `help` prints them. */
export const COMMANDS: Record<string, string> = {
  serve:
    "serve [--grpc-port 50051] [--http-port 8080] [--models DIR]  start the gRPC + HTTP server",
  info: "info <file>  print points, attributes and bbox of a .drc/.ply/.pcd/.npy file as JSON",
  segment:
    "segment <file> --labels a,b,c [--out colored.ply] [--server host:port]  label every point",
  synth: "synth --out DIR --scenes N --seed S  generate synthetic indoor scenes",
  train: "train --data DIR --out MODEL_DIR [--objective geoguide|naive] [--steps N] [--seed S] ...",
  eval: "eval --model MODEL_DIR --data DIR  per-class IoU table, last line mIoU=.. mAcc=..",
  objective: "objective --case CASE.json  print the GeoGuide losses and gradients as JSON",
  bench: "bench [kernels|train|serve]  run benchmarks",
};

function help(): string {
  return [
    "usage: deno task cli <command> [args]",
    "",
    ...Object.values(COMMANDS).map((l) => "  " + l),
  ]
    .join("\n");
}

/** Runs the command named by `argv[0]`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(help());
    return 0;
  }
  if (!(name in COMMANDS)) {
    console.error(`unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const mod = await import(`./commands/${name}.ts`) as { run(args: string[]): Promise<number> };
  return await mod.run(rest);
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
