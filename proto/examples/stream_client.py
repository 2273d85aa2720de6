#!/usr/bin/env python3
"""A robot-side SegmentStream client for GeoGuide, in Python.

Streams scans (N x 3 float32 points in the sensor frame, a 4x4 sensor-to-map pose
and a timestamp) to a GeoGuide server and prints each scan's labels and objects,
then asks the map where the query labels are.

Setup (once), from the repository root:

    pip install grpcio grpcio-tools numpy
    python -m grpc_tools.protoc -I proto --python_out=proto/examples \
        --grpc_python_out=proto/examples proto/geoguide/v1/*.proto

Run against `npm start` (default port 50051) with random demo scans, or your own:

    python proto/examples/stream_client.py --server localhost:50051 \
        --labels chair,table,door --query "fire extinguisher"

In a ROS 2 node, fill `common_pb2.PointCloud(ros=...)` from the incoming
sensor_msgs/PointCloud2 field by field (height, width, fields, is_bigendian,
point_step, row_step, data, is_dense) and the pose from tf2 (map <- sensor);
see README "From a ROS 2 robot".
"""

import argparse
import queue
import sys
import time

import numpy as np
import grpc

sys.path.insert(0, __file__.rsplit("/", 1)[0])  # the generated geoguide/v1/*_pb2 modules
from geoguide.v1 import common_pb2, segmentation_pb2, segmentation_pb2_grpc  # noqa: E402


def demo_scans(count, points, seed=0):
    """Random boxes on a floor seen from a robot driving along x (stand-in for real scans)."""
    rng = np.random.default_rng(seed)
    world = np.concatenate([
        np.c_[rng.uniform(0, 6, points), rng.uniform(0, 4, points), np.zeros(points)],
        np.c_[rng.uniform(2, 2.5, points // 4), rng.uniform(1, 1.5, points // 4),
              rng.uniform(0, 0.8, points // 4)],
    ]).astype(np.float32)
    for i in range(count):
        x = 0.05 * i
        pose = np.eye(4)
        pose[0, 3] = x
        sensor = world - np.array([x, 0, 0], dtype=np.float32)
        keep = rng.choice(len(sensor), points, replace=False)
        yield sensor[keep], pose, 0.2 * i


def requests(args, scans, answers):
    yield segmentation_pb2.StreamRequest(open=segmentation_pb2.StreamOpen(
        labels=args.labels.split(","), return_objects=True))
    for xyz, pose, stamp in scans:
        yield segmentation_pb2.StreamRequest(scan=segmentation_pb2.StreamScan(
            cloud=common_pb2.PointCloud(raw=common_pb2.RawPoints(xyz=xyz.tobytes())),
            sensor_to_map=pose.reshape(-1).tolist(), timestamp=stamp))
        answers.get()  # wait for this scan's answer: one scan in flight
    if args.query:
        yield segmentation_pb2.StreamRequest(query=segmentation_pb2.MapQuery(
            labels=args.query.split(",")))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", default="localhost:50051")
    p.add_argument("--labels", default="chair,table,door,floor,wall")
    p.add_argument("--query", default="chair")
    p.add_argument("--scans", type=int, default=20)
    p.add_argument("--points", type=int, default=30000)
    args = p.parse_args()
    channel = grpc.insecure_channel(args.server, options=[
        ("grpc.max_send_message_length", 256 << 20), ("grpc.max_receive_message_length", 256 << 20)])
    stub = segmentation_pb2_grpc.SegmentationStub(channel)
    answers = queue.Queue()
    sent = time.perf_counter()
    for res in stub.SegmentStream(requests(args, demo_scans(args.scans, args.points), answers)):
        kind = res.WhichOneof("msg")
        if kind == "opened":
            print(f"session {res.opened.session_id}: {res.opened.model} v{res.opened.model_version}")
        elif kind == "scan":
            s = res.scan
            lab = np.frombuffer(s.labels, dtype="<i2")
            top = ", ".join(f"{c.label} {c.points}" for c in s.summary[:4])
            objs = ", ".join(f"{o.label_text}#{o.id} {o.score:.2f}" for o in s.objects[:3])
            ms = 1000 * (time.perf_counter() - sent)
            print(f"scan {s.scan_index}: {len(lab)} pts {ms:.0f} ms fused={s.fused} "
                  f"map={s.map_voxels} | {top} | {objs} {s.warning}")
            sent = time.perf_counter()
            answers.put(None)
        elif kind == "query":
            for o in res.query.objects:
                c = ", ".join(f"{v:.2f}" for v in o.centroid)
                print(f"  {o.label_text}#{o.id} score {o.score:.3f} at ({c}), {o.point_count} voxels")


if __name__ == "__main__":
    main()
