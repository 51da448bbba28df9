# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
`alike-ros bench`: per-stage medians of the detector, and of its variants in the same run.

Every pipeline (the models asked for, their int8 form, keypoint-control variants, and what a
caller adds: the lab puts the seed paper's dense split beside it) runs with the same ONNX
Runtime settings on the same frames, interleaved, so ratios are measured side by side.
"""

import resource
from pathlib import Path
import statistics
import time

import numpy as np

from alike_ros import extractors, paths
from alike_ros.config import DetectorConfig
from alike_ros.detector import Detector, TIMINGS
from alike_ros.onnx_model import OnnxModel

# Per-frame intervals in pipeline order, then the per-frame sums: 'stage2' is the median of
# NMS + selection + descriptors per frame.
STAGES = TIMINGS + ('stage2', 'total')
STAGE2 = ('nms', 'select_refine', 'descriptors')
LABELS = {
    'preprocess': 'preprocess', 'stage1': 'stage 1 (ONNX Runtime)', 'nms': 'NMS',
    'select_refine': 'selection + refinement', 'descriptors': 'descriptors',
    'stage2': 'stage 2 (NMS to descriptors)', 'total': 'total',
}


def _median_timings(results):
    rows = [dict(r.timings, stage2=sum(r.timings[s] for s in STAGE2)) for r in results]
    return {s: statistics.median(row[s] for row in rows) for s in STAGES}


def keypoint_control(mask_path):
    """
    Stage-2 variants of `bench --keypoint-control`: name -> detector settings.

    The mask hides the bottom quarter (a robot's body in view), written to `mask_path`.
    """
    import cv2
    mask = np.full((480, 640), 255, np.uint8)
    mask[360:] = 0
    cv2.imwrite(str(mask_path), mask)
    return {'mask': {'mask_file': str(mask_path)},
            'roi': {'roi_x_offset': 32, 'roi_y_offset': 32, 'roi_width': 576,
                    'roi_height': 416},
            'spread': {'spread_cell': 32, 'spread_max': 4}}


# The family defaults bench takes over (the authors' keypoint counts); NMS iterations stay the
# node's, so the figures are the node's default path.
SELECTION = ('top_k', 'scores_th')


def run(model_names, images, threads=2, repeats=3, top_k=None, progress=None, int8=False,
        scores_th=None, variants=None, extra=None):
    """
    Median per-stage timings {model: {'ours': {...}, 'int8': {...}, ..., 'keypoints': n}}.

    top_k and scores_th default to each family's authors' settings (else the node's).
    `variants` (name -> detector settings) and `extra` (config -> {name: detector}) run beside
    'ours' on the same frames, interleaved.
    """
    table = {}
    for name in model_names:
        selection = extractors.settings(name, {'top_k': top_k, 'scores_th': scores_th},
                                        SELECTION)
        cfg = DetectorConfig(model=name, threads=threads, **selection)
        pipelines = {'ours': Detector(cfg), **(extra(cfg) if extra else {})}
        if int8:
            pipelines['int8'] = Detector(cfg.with_changes(precision='int8'))
        for variant, changes in (variants or {}).items():
            pipelines[variant] = Detector(cfg.with_changes(**changes))
        for det in pipelines.values():  # warm-up: first runs allocate and plan
            det.detect(images[0], bgr=True)
        results = {k: [] for k in pipelines}
        for _ in range(repeats):
            for image in images:
                for key, det in pipelines.items():
                    results[key].append(det.detect(image, bgr=True))
                if progress:
                    progress()
        row = {k: _median_timings(v) for k, v in results.items()}
        row['keypoints'] = statistics.median(len(r) for r in results['ours'])
        row['variant_keypoints'] = {k: statistics.median(len(r) for r in v)
                                    for k, v in results.items() if k in (variants or {})}
        row['provider'] = pipelines['ours'].provider
        table[name] = row
    return table


# The front-end settings bench times: the node's defaults, then what a user may switch on.
MATCHER_SETTINGS = {
    'homography (default)': {},
    'undistort + homography': {'undistort': True},
    'fundamental': {'geometry': 'fundamental'},
    'essential, keyframes (default motion)': {'geometry': 'essential'},
    'essential, previous frame': {'geometry': 'essential', 'motion_reference': 'previous'},
    'essential, track_budget 200': {'geometry': 'essential', 'track_budget': 200},
}


def matcher_costs(images, repeats=3, top_k=2000, settings=None, camera=None):
    """
    Median ms per frame of the matcher's FrontEnd.process under each setting, interleaved.

    What the node runs per frame (matching, fit, tracks, keyframe, motion), on the same
    keypoints for every setting, setting after setting within each repeat; the camera is the
    TUM Freiburg 2 calibration unless given.
    """
    from alike_ros.config import MatcherConfig
    from alike_ros.frontend import Frame, FrontEnd
    from alike_ros.geometry.camera import Camera
    from alike_ros.paths import config_file
    from alike_ros.tools.bag import load_camera_info
    det = Detector(DetectorConfig(top_k=top_k))
    frames = [Frame(f.keypoints, f.descriptors, scores=f.scores)
              for f in (det.detect(im, bgr=True) for im in images)]
    if camera is None:
        info = load_camera_info(config_file('tum_freiburg2_camera_info.yaml'))
        camera = Camera.from_info(info)
    settings = MATCHER_SETTINGS if settings is None else settings
    times = {k: [] for k in settings}
    for _ in range(repeats):
        for name, changes in settings.items():
            front = FrontEnd(MatcherConfig().with_changes(**changes))
            for stamp, frame in enumerate(frames, 1):
                t = time.perf_counter()
                front.process(frame, stamp, camera)
                if stamp > 1:  # the first frame has nothing to match
                    times[name].append((time.perf_counter() - t) * 1e3)
    return {k: statistics.median(v) for k, v in times.items()}


def profile_stage1(model_name, images, threads=2, runs=30, out_dir='.', graph_form='matmul'):
    """
    Per-op kernel time of stage 1 from ONNX Runtime's profiler, in ms per frame.

    Returns (by op type, by node, total), each sorted by time, plus the trace file. The
    model is the one the detector loads for these images (its exact form at their size).
    """
    import collections
    import json
    from pathlib import Path

    det = Detector(DetectorConfig(model=model_name, threads=threads, graph_form=graph_form))
    net = det.preprocess(images[0], bgr=True)
    path = det._session(*net.blob.shape[2:]).model.path
    model = OnnxModel(path, 'cpu', threads, profile_prefix=Path(out_dir) / 'stage1_profile')
    blobs = [det.preprocess(im, bgr=True).blob for im in images]
    warm_up = 3  # first runs allocate and plan: not counted
    for i in range(warm_up + runs):
        model.run(blobs[i % len(blobs)])
    trace = model.session.end_profiling()
    events = json.loads(Path(trace).read_text())
    ends = sorted(e['ts'] + e['dur'] for e in events if e.get('name') == 'model_run')
    counted_from = ends[warm_up - 1]
    by_op, by_node = collections.Counter(), collections.Counter()
    for event in events:
        if event.get('cat') == 'Node' and event['name'].endswith('_kernel_time') \
                and event['ts'] > counted_from:
            ms = event['dur'] / 1e3 / runs
            by_op[event['args']['op_name']] += ms
            by_node[event['name'][:-len('_kernel_time')]] += ms
    return by_op.most_common(), by_node.most_common(), sum(by_op.values()), trace


def matcher_pair_ms(images, threads=2, repeats=3, top_k=2000):
    """
    Median ms per consecutive frame pair of every registered matching method.

    Keypoint methods match the detector's features (top_k per frame); image methods the
    images themselves.
    """
    from alike_ros import matchers
    from alike_ros.matchers.base import Frame
    det = Detector(DetectorConfig(top_k=top_k, threads=threads))
    features = [det.detect(im, bgr=True) for im in images]
    result = {}
    for name, method in matchers.METHODS.items():
        matcher = method.build(threads=threads) if method.needs_image else method.build()
        frames = [Frame(image=im, bgr=True) for im in images] if method.needs_image else \
            [Frame(f.keypoints, f.descriptors) for f in features]
        matcher.match(frames[0], frames[1])  # warm-up
        times = []
        for _ in range(repeats):
            for a, b in zip(frames, frames[1:]):
                t = time.perf_counter()
                matcher.match(a, b)
                times.append((time.perf_counter() - t) * 1e3)
        result[name] = statistics.median(times)
    return result


def peak_rss_mb():
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def markdown(table):
    """Render the table in the shape of the seed paper's Tables II/III (milliseconds, medians)."""
    labels = {'ours': ''}
    for row in table.values():
        labels.update({k: f' {k}' for k, v in row.items() if isinstance(v, dict)
                       and 'total' in v and k != 'ours'})
        labels.update({v: f' + {v}' for v in row.get('variant_keypoints', {})})
    columns = [(n, v) for n in table for v in labels if v in table[n]]
    lines = ['| stage (ms, median) |' + ''.join(f' {n}{labels[v]} |' for n, v in columns),
             '|---|' + '---:|' * len(columns)]
    for s in STAGES:
        lines.append(f'| {LABELS[s]} |' + ''.join(f' {table[n][v][s]:.1f} |' for n, v in columns))
    if any(v != 'ours' for _, v in columns):
        lines.append('| total vs ours |' + ''.join(
            ' |' if v == 'ours' else f" {table[n][v]['total'] / table[n]['ours']['total']:.2f}x |"
            for n, v in columns))
    lines.append('| keypoints (median) |' + ''.join(
        f" {table[n]['keypoints']:.0f} |" if v == 'ours' else
        f" {table[n]['variant_keypoints'][v]:.0f} |" if v in table[n].get('variant_keypoints', {})
        else ' |' for n, v in columns))
    return '\n'.join(lines)


def default_images(count=10):
    """Read the first `count` (None: all) shared TUM frames, as BGR (OpenCV)."""
    import cv2
    files = sorted(paths.tum_dir().glob('*.png'))[:count]
    if not files:
        raise FileNotFoundError(f'no TUM frames under {paths.tum_dir()}')
    return [cv2.imread(str(f)) for f in files]


def _params_of(params_file):
    """Return (detector params, matcher params) of a params file ({} and {} without one)."""
    if not params_file:
        return {}, {}
    import yaml
    data = yaml.safe_load(Path(params_file).read_text())
    node = {k.rsplit('/', 1)[-1]: v.get('ros__parameters', {}) for k, v in data.items()}
    # The bag is played reliably (replay's rule: a lost UDP fragment is not a detector drop).
    return tuple({k: v for k, v in node.get(name, {}).items() if k != 'image_reliability'}
                 for name in ('alike_detector', 'alike_matcher'))


def graph(model, rate, loops, modes, threads=2, params_file=None):
    """
    Play the shared TUM frames as a bag at `rate` through detector + matcher, once per mode.

    Returns a row per mode (one, two, graph, container): frames in and out, drops, latencies,
    the host's cost a frame (everything but stage 1: what a TIDL board's ARM cores run), peak
    RSS, and the matcher core (MNN + homography) at 2000 x 2000 keypoints. `params_file`: the
    nodes' parameters (a params file as edge.launch.py takes; `model` and `threads` still win
    where given).
    """
    import tempfile

    from alike_ros.geometry import fit
    from alike_ros.matchers.mnn import mnn_match
    from alike_ros.runtime import cpu_summary
    from alike_ros.tools.bag import make_bag
    from alike_ros.tools.replay import replay

    det = Detector(DetectorConfig(top_k=2000))
    frames = [det.detect(im, bgr=True) for im in default_images(6)]
    times = []
    for _ in range(5):
        for a, b in zip(frames, frames[1:]):
            t = time.perf_counter()
            pairs, _ = mnn_match(a.descriptors, b.descriptors)
            fit('homography', a.keypoints[pairs[:, 0]], b.keypoints[pairs[:, 1]])
            times.append((time.perf_counter() - t) * 1e3)
    matcher_ms = statistics.median(times)
    del det

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bag = Path(tmp) / 'bag'
        n = make_bag(paths.tum_dir(), bag, rate=rate, loops=loops)
        detector, matcher = _params_of(params_file)
        detector.update({k: v for k, v in (('threads', threads), ('model', model)) if v})
        for processes in modes:
            result = replay(bag, processes=processes, params=detector, matcher_params=matcher)
            stats, mstats = result.detector_stats, result.matcher_stats
            host = float(stats.get('total_ms_p50', 'nan')) - float(
                stats.get('stage1_ms_p50', 'nan')) + float(mstats.get('frame_ms_p50', 'nan'))
            lat = result.latencies_ms()
            rows.append({
                'cpu': cpu_summary(), 'model': detector.get('model', 'alike-t'),
                'params_file': str(params_file or ''), 'rate_hz': rate, 'frames_in': n,
                'processes': processes, 'threads': detector.get('threads', 2),
                'frames_out': result.keypoint_msgs, 'fps_out': result.fps_out(),
                'dropped_pct': 100.0 * (n - result.keypoint_msgs) / n,
                'detector_latency_ms_p50': float(stats.get('latency_ms_p50', 'nan')),
                'detector_latency_ms_p95': float(stats.get('latency_ms_p95', 'nan')),
                'end_to_end_latency_ms_p50': float(np.percentile(lat, 50)),
                'end_to_end_latency_ms_p95': float(np.percentile(lat, 95)),
                # The model is loaded and warmed up at configure: frames 1 and 2 cost the rest's.
                'first_2_frames_latency_ms': result.first_latencies_ms(2),
                'detector_total_ms_p50': float(stats.get('total_ms_p50', 'nan')),
                'detector_stage1_ms_p50': float(stats.get('stage1_ms_p50', 'nan')),
                'matcher_frame_ms_p50': float(mstats.get('frame_ms_p50', 'nan')),
                'host_only_ms_p50': host,
                'matcher_2000x2000_ms_p50': matcher_ms,
                'graph_peak_rss_mb': result.peak_rss_mb,
            })
    return rows
