/**
 * Replays scans against a GeoGuide server's SegmentStream: opens the stream, sends each
 * scan (cloud + pose + timestamp) at a given pace, and hands every answer back with the
 * latency the client saw. Used by `deno task cli stream` and `deno task bench stream`.
 *
 * @module
 */

import { GeoError } from "../kernels/errors.ts";
import type { PointCloud } from "../kernels/point_cloud.ts";
import { typedToBytes } from "../io/typed_bytes.ts";
import type { GeoguideClient } from "../server/grpc.ts";
import { MessageQueue } from "../server/message_queue.ts";
import type { ScanResultMsg, StreamOpenMsg, StreamResponseMsg } from "../server/wire.ts";

/** One scan to send. */
export interface ReplayScan {
  /** The scan's points in the sensor frame, metres. */
  cloud: PointCloud;
  /** Sensor-to-map pose, 16 numbers row-major; absent = none sent. */
  pose?: ArrayLike<number>;
  /** Seconds. */
  timestamp: number;
}

/** Options of {@link replayStream}. */
export interface ReplayOptions {
  /** The stream's open message (labels, map settings, what to return). */
  open: StreamOpenMsg;
  /** Seconds between sends (0 = as fast as the server answers). */
  period: number;
  /** Map queries sent after the last scan (each a list of labels). */
  queries?: readonly string[][];
  /** Stops the replay. */
  signal?: AbortSignal;
}

/** What {@link replayStream} hands back per scan. */
export interface ReplayedScan {
  /** Index of the scan in the replay. */
  index: number;
  /** The server's answer. */
  result: ScanResultMsg;
  /** Milliseconds from sending the scan to receiving its answer. */
  latencyMs: number;
}

/**
 * Runs one stream: `scans(i)` gives scan i of `count` (loaded lazily, so long sequences
 * are not held in memory). At most `inFlight` scans are sent before their answers come
 * back (2: the server computes one while the next is on the wire).
 *
 * @returns the `opened` answer and the answers to the queries
 */
export async function replayStream(
  client: GeoguideClient,
  scans: { count: number; get(i: number): Promise<ReplayScan> },
  options: ReplayOptions,
  onScan: (s: ReplayedScan) => void,
): Promise<{ opened: StreamResponseMsg["opened"]; queries: StreamResponseMsg["query"][] }> {
  const stream = client.segmentStream({ signal: options.signal });
  // Answers are read as they arrive (with their arrival time), also while the replay waits
  // to send the next scan, so latencies are not stretched by the pacing.
  const arrived = new MessageQueue<{ value: StreamResponseMsg; at: number }>();
  const pump = (async () => {
    try {
      for await (const value of stream.responses) arrived.push({ value, at: performance.now() });
      arrived.end();
    } catch (e) {
      arrived.fail(e);
    }
  })();
  const next = async (want: "opened" | "scan" | "query") => {
    const r = await arrived.next();
    if (!r || r.value.msg !== want) {
      throw new GeoError(
        "internal",
        `The stream answered ${r ? r.value.msg : "nothing"} where ${want} was due`,
      );
    }
    return r;
  };
  await stream.send({ msg: "open", open: options.open });
  const opened = (await next("opened")).value.opened;
  const sentAt: number[] = [];
  const inFlight = 2;
  let received = 0;
  const receive = async () => {
    const r = await next("scan");
    onScan({ index: received, result: r.value.scan!, latencyMs: r.at - sentAt[received] });
    received++;
  };
  const t0 = performance.now();
  for (let i = 0; i < scans.count; i++) {
    options.signal?.throwIfAborted();
    const wait = t0 + i * options.period * 1000 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const scan = await scans.get(i);
    while (i - received >= inFlight) await receive();
    sentAt[i] = performance.now();
    await stream.send({
      msg: "scan",
      scan: {
        cloud: {
          data: "raw",
          raw: {
            xyz: typedToBytes(scan.cloud.coord),
            rgb: scan.cloud.color ? typedToBytes(scan.cloud.color) : new Uint8Array(0),
          },
        },
        sensor_to_map: scan.pose ? Array.from(scan.pose) : [],
        timestamp: scan.timestamp,
      },
    });
  }
  while (received < scans.count) await receive();
  const queries: StreamResponseMsg["query"][] = [];
  for (const labels of options.queries ?? []) {
    await stream.send({ msg: "query", query: { labels } });
    queries.push((await next("query")).value.query);
  }
  stream.end();
  if (await arrived.next()) {
    throw new GeoError("internal", "The stream sent more answers than scans");
  }
  await pump;
  return { opened, queries };
}
