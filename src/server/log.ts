/**
 * Structured request logs: one JSON object per line on stderr.
 *
 * @module
 */

/** One log record; `ts` and `level` are added. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Where log lines go; tests pass a collector. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();

/** Default sink: the line plus a newline to stderr, synchronously. */
export const stderrSink: LogSink = (line) => {
  const g = globalThis as { Deno?: { stderr: { writeSync(b: Uint8Array): number } } };
  if (g.Deno) g.Deno.stderr.writeSync(encoder.encode(line + "\n"));
  else {(globalThis as unknown as { process: { stderr: { write(s: string): void } } }).process
      .stderr.write(line + "\n");}
};

/** Writes JSON log lines with a timestamp and level. */
export class Logger {
  /** @param sink where lines go @param quiet drop "info" records (errors still go out) */
  constructor(readonly sink: LogSink = stderrSink, readonly quiet = false) {}

  /** Logs one record at `level` ("info" | "warn" | "error"). */
  log(level: "info" | "warn" | "error", msg: string, fields: LogFields = {}): void {
    if (this.quiet && level === "info") return;
    const record: Record<string, unknown> = { ts: new Date().toISOString(), level, msg };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) record[k] = v;
    this.sink(JSON.stringify(record));
  }
}

/** A fresh request id (UUID v4) when the client sent none. */
export function newRequestId(): string {
  return crypto.randomUUID();
}
