# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The matcher node's cost per frame, for several checkouts of the code, interleaved.

    python -m alike_ros.lab matcher-cost --rounds 7 before=/tmp/m_before now=.

Detects the TUM frames once (this checkout's detector, defaults) and gives the same
keypoints to one worker process per checkout (LABEL=PATH, PATH put first on PYTHONPATH;
LABEL=PATH@{"param": value} adds node parameters). Each worker builds the real MatcherNode
of its checkout (homography and essential, the node defaults otherwise) and times its
keypoint subscription callback (what the executor calls) on the frames, each with its
CameraInfo (from the package's own YAML loader), in a process set up as the node programs
set theirs (malloc, BLAS threads); the workers take turns, pass by pass, the order
alternating, so machine load falls on all alike. Prints the median ms per frame and the
ratio to the first checkout.
"""

import argparse
import json
import os
from pathlib import Path
import subprocess
import sys
import time

import numpy as np

GEOMETRIES = ('homography', 'essential')


def detect(path):
    """Write the TUM frames' keypoints (this checkout's detector) to an .npz; return it."""
    from alike_ros.detector import Detector
    from alike_ros.tools import motion_eval
    frames, stamps, *_ = motion_eval.inputs()
    detector = Detector(motion_eval.configs({}, {})[1])
    out = {}
    for i, image in enumerate(frames):
        f = detector.detect(image)
        out[f'k{i}'], out[f's{i}'], out[f'd{i}'] = f.keypoints, f.scores, f.descriptors
    np.savez(path, n=len(frames), h=frames[0].shape[0], w=frames[0].shape[1],
             stamps=np.array(stamps), **out)
    return path


def worker(features, params, camera_info, clock='wall'):
    """Serve passes: per stdin line GEOMETRY, print {ms: [per frame], valid, keyframes}."""
    import rclpy
    from rclpy.parameter import Parameter
    from sensor_msgs.msg import CameraInfo
    from std_msgs.msg import Header
    from alike_ros.detector import Features
    from alike_ros.nodes import messages
    from alike_ros.nodes.matcher_node import MatcherNode
    from alike_ros import runtime
    # The process as the node programs set it up (nodes/runner.py): without the malloc
    # settings every large temporary is a fresh mmap, and the cost follows which library
    # happened to free a large buffer first, not the matcher's own work.
    runtime.tune_malloc()
    # Checkouts as old as 54930cf have no limit_blas_threads (OPENBLAS_NUM_THREADS=1 then).
    getattr(runtime, 'limit_blas_threads', lambda: None)()
    data = np.load(features)
    rclpy.init()
    nodes = {g: MatcherNode(f'cost_{g}', parameter_overrides=[
        Parameter('geometry', value=g)] + [Parameter(k, value=v) for k, v in params.items()])
        for g in GEOMETRIES}
    feats = [Features(data[f'k{i}'], data[f's{i}'], data[f'd{i}']) for i in range(data['n'])]

    def header(ns):
        h = Header()
        h.frame_id = 'camera'
        h.stamp.sec, h.stamp.nanosec = divmod(ns, 10**9)
        return h

    from alike_ros.tools.bag import load_camera_info
    calibration = load_camera_info(camera_info)

    def info(h):
        m = CameraInfo(**calibration)
        m.header = h
        return m

    # 'cpu': the process's CPU time, which other jobs on a shared machine inflate far less
    # than the wall clock (run with one BLAS thread: a spinning thread's time counts too).
    tick = time.process_time if clock == 'cpu' else time.perf_counter
    for passes, line in enumerate(sys.stdin, 1):
        node = nodes[line.strip()]
        node.trigger_deactivate()  # forget the previous pass: frames, tracks, keyframe
        node.trigger_activate()
        ms = []
        for i, f in enumerate(feats):
            h = header((1000 + passes * 100) * 10**9 + i * 10**8)
            msg = messages.features_to_msg(f, h, int(data['h']), int(data['w']), 'alike-t',
                                           f.descriptors.shape[1])
            node._on_camera_info(info(h))
            t = tick()
            node._on_keypoints(msg)
            ms.append((tick() - t) * 1e3)
        counts = node.front.counts if hasattr(node, 'front') else node.counts
        print(json.dumps({'ms': ms[1:], 'valid': counts['valid'],
                          'keyframes': counts.get('keyframes')}), flush=True)


def run(versions, rounds, features, camera_info, clock='wall'):
    """Interleave the checkouts' passes; return {geometry: {label: summary}}."""
    workers = {}
    for label, spec in versions.items():
        path, _, params = spec.partition('@')
        path = str(Path(path).resolve())
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [path] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]))
        workers[label] = subprocess.Popen(
            [sys.executable, __file__, '--worker', features, '--params', params or '{}',
             '--clock', clock,
             '--camera-info', camera_info], cwd=path, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    times = {(label, g): [] for label in versions for g in GEOMETRIES}
    counts = {}
    labels = list(versions)
    try:
        for r in range(rounds):
            for g in GEOMETRIES:
                for label in (labels if r % 2 == 0 else labels[::-1]):
                    w = workers[label]
                    w.stdin.write(g + '\n')
                    w.stdin.flush()
                    out = json.loads(w.stdout.readline())
                    times[(label, g)].append(out['ms'])
                    counts[(label, g)] = (out['valid'], out['keyframes'])
    finally:
        for w in workers.values():
            w.stdin.close()
            w.wait()
    report = {}
    for g in GEOMETRIES:
        first = float(np.median(times[(labels[0], g)]))
        report[g] = {label: {'median_ms': float(np.median(times[(label, g)])),
                             'ratio': float(np.median(times[(label, g)])) / first,
                             'valid_frames_per_pass': counts[(label, g)][0] // rounds,
                             'keyframes_per_pass': (counts[(label, g)][1] or 0) // rounds}
                     for label in labels}
    return report


def add_arguments(p):
    """Add the comparison's arguments."""
    p.add_argument('versions', nargs='*', help='LABEL=PATH[@{json node params}]')
    p.add_argument('--rounds', type=int, default=7)
    p.add_argument('--features', help='keypoints .npz (default: detect the TUM frames)')
    p.add_argument('--camera-info', help='calibration YAML (default: TUM Freiburg 2)')
    p.add_argument('--worker', help=argparse.SUPPRESS)
    p.add_argument('--params', default='{}', help=argparse.SUPPRESS)
    p.add_argument('--clock', choices=('wall', 'cpu'), default='wall',
                   help="'cpu': the workers' CPU time instead of the wall clock (a loaded "
                        'machine; set OPENBLAS_NUM_THREADS=1 so spinning threads do not count)')


def compare(args):
    """Run the comparison (or, with --worker, serve one checkout's passes)."""
    if args.worker:
        worker(args.worker, json.loads(args.params), args.camera_info, args.clock)
        return
    from alike_ros.paths import config_file
    from alike_ros.runtime import cpu_summary
    camera_info = args.camera_info or str(config_file('tum_freiburg2_camera_info.yaml'))
    features = args.features or detect('/tmp/matcher_cost_tum.npz')
    versions = dict(v.split('=', 1) for v in args.versions)
    report = run(versions, args.rounds, features, camera_info, args.clock)
    print(f'{cpu_summary()}; load {os.getloadavg()[0]:.2f} (1 min) at the end')
    print('| geometry | checkout | ms per frame (median) | ratio | valid | keyframes |\n'
          '|---|---|---:|---:|---:|---:|')
    for g, rows in report.items():
        for label, r in rows.items():
            print(f"| {g} | {label} | {r['median_ms']:.2f} | {r['ratio']:.2f} | "
                  f"{r['valid_frames_per_pass']} | {r['keyframes_per_pass']} |")


if __name__ == '__main__':
    # Run as a file (the workers, in any checkout): this folder is no top-level package.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        sys.path.pop(0)
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_arguments(p)
    compare(p.parse_args())
