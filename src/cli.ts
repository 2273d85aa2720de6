/**
 * GeoGuide command line: `deno task cli <command> [args]`.
 *
 * Each command lives in `src/commands/<name>.ts` and exports
 * `run(args: string[]): Promise<number>` returning the exit code, and may export a
 * multi-line `USAGE` string (flags with their defaults). Commands are loaded on demand so
 * that `info` does not pay for the server's imports.
 *
 * `--help` / `-h` anywhere in a command's arguments prints that command's usage and exits
 * 0 without running it (so no command parses them itself); `help <command>` does the same.
 * The usage of `serve` is built from the settings table of `src/server/config.ts` (flag,
 * environment variable, default), so the server's module is never loaded for it.
 * Benchmarks are not a command: they run with `deno task bench <name>`.
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
  pretrain:
    "pretrain --data DIR --out BACKBONE_DIR [--steps N] [--seed S] ...  pre-train the geonet backbone without labels",
  eval: "eval --model MODEL_DIR --data DIR  per-class IoU table, last line mIoU=.. mAcc=..",
  decimate:
    "decimate --data DIR --out DIR [--keep 0.25]  copy a dataset with its flat surfaces thinned like a decimated mesh",
  views:
    "views --data DIR --out DIR [--views 1]  copy a dataset as single depth-sensor views of each scene",
  calibrate:
    "calibrate --model MODEL_DIR --data DIR [--reject-wrong Q] [--out MODEL_DIR]  reject threshold (calibrated min_score)",
  stream:
    "stream FILE_OR_DIR --labels a,b,c [--server host:port]  replay scans against SegmentStream",
  objective: "objective --case CASE.json  print the GeoGuide losses and gradients as JSON",
};

function help(): string {
  return [
    "usage: deno task cli <command> [args]",
    "",
    ...Object.values(COMMANDS).map((l) => "  " + l),
    "",
    "`deno task cli <command> --help` (or -h) prints the flags of one command.",
    "Benchmarks: `deno task bench [name] [args]` (see bench/main.ts).",
  ]
    .join("\n");
}

/** True when `args` ask for help (`--help` or `-h` anywhere). */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

/**
 * The usage of `serve`: one line per setting of `src/server/config.ts` with its flag,
 * environment variable and default (config.ts is imported lazily).
 */
export async function serveUsage(): Promise<string> {
  const { SETTINGS, defaultServerConfig } = await import("./server/config.ts");
  const defaults = defaultServerConfig();
  const rows = SETTINGS.map((s) => {
    const d = defaults[s.key];
    const shown = typeof d === "boolean" ? "" : ` ${d === "" ? '""' : d}`;
    const meta = typeof d === "boolean" ? "" : typeof d === "number" ? " N" : " S";
    return [`--${s.flag}${meta}`, s.env, `default${shown || " off"}`];
  });
  const w0 = Math.max(...rows.map((r) => r[0].length)),
    w1 = Math.max(...rows.map((r) => r[1].length));
  return [
    "usage: serve [flags]  start the gRPC + HTTP server (SIGTERM / SIGINT: graceful stop)",
    "Every flag overrides its environment variable, which overrides the default.",
    "",
    ...rows.map(([f, e, d]) => `  ${f.padEnd(w0)}  ${e.padEnd(w1)}  ${d}`),
  ].join("\n");
}

/** The usage text of command `name` (its module's `USAGE`, else its one-line help). */
export async function commandUsage(name: string): Promise<string> {
  if (name === "serve") return await serveUsage();
  const mod = await import(`./commands/${name}.ts`) as { USAGE?: string };
  return mod.USAGE ?? `usage: ${COMMANDS[name]}`;
}

/** Runs the command named by `argv[0]`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" ? rest[0] : undefined;
    if (topic && Object.hasOwn(COMMANDS, topic)) console.log(await commandUsage(topic));
    else console.log(help());
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    console.error(`unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    console.log(await commandUsage(name));
    return 0;
  }
  const mod = await import(`./commands/${name}.ts`) as { run(args: string[]): Promise<number> };
  return await mod.run(rest);
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
