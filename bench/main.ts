/**
 * Benchmark dispatcher: `deno task bench <name> [args…]` runs `bench/<name>.ts`
 * (default `kernels`). A module that exports `run(args)` is imported and
 * called (a number it returns is the exit code, e.g. `hostile` answers 1 when the
 * server crashed or hung); any other module is a script and runs in a child Deno
 * process with the remaining arguments as its own.
 *
 * @module
 */

/** What a library-style benchmark module exports. */
export interface BenchModule {
  /**
   * Runs the benchmark; prints a markdown table to stdout and progress to stderr.
   * Resolves to the exit code, or to nothing for 0.
   */
  run(args: string[]): Promise<void | number>;
}

/**
 * Runs one benchmark by name.
 *
 * @param args command line: the benchmark name, then its own arguments
 * @returns exit code
 */
export async function main(args: string[]): Promise<number> {
  const name = args[0] ?? "kernels";
  const rest = args.slice(1);
  if (!/^[a-z][a-z0-9_]*$/.test(name) || name === "main") {
    console.error(`Unknown benchmark '${name}'`);
    return 2;
  }
  const url = new URL(`./${name}.ts`, import.meta.url);
  let source: string;
  try {
    source = await Deno.readTextFile(url);
  } catch {
    console.error(`Unknown benchmark '${name}': bench/${name}.ts does not exist`);
    return 2;
  }
  if (/export\s+(async\s+)?function\s+run\s*\(/.test(source)) {
    const mod: BenchModule = await import(url.href);
    return (await mod.run(rest)) ?? 0;
  }
  const child = new Deno.Command(Deno.execPath(), { args: ["run", "-A", url.pathname, ...rest] });
  const { code } = await child.spawn().status;
  return code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
