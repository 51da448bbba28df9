# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The speed/accuracy frontier: every model at every input budget, with ORB and SIFT beside.

Each row is a detector setting (a model, an `input_max_pixels` budget, fp32 or int8, or the
`fast` preset read from config/fast.yaml) followed by the FrontEnd at its defaults with
`geometry: essential`. Cost: the detector's and the FrontEnd's milliseconds per 640 x 480
frame, measured round-robin with OpenCV ORB and SIFT (2000 features each, through the same
FrontEnd) on the same frames, so every row carries its own ORB and SIFT figures from the same
loop. Accuracy, on the sequences here:

- pose: AUC@5/10/20 of the relative pose against the ground truth, offline through
  motion_eval.offline's PoseLib essential fit, on the shared TUM fr2_desk frames at frame
  gaps 1 and 3 (36 pairs; calibrated colour camera, motion-capture truth), and the
  FrontEnd's own keyframe motion (what the node publishes on `motion`, 19 frames) scored the
  same way; beside them the shared 7-Scenes frames at gaps 5 and 10 (85 pairs; a 30 Hz
  Kinect moves 5-8 mm a frame). 7-Scenes' truth is the depth camera's (KinectFusion) and its
  one set of intrinsics is the depth camera's too, so every method's error there has a floor
  of about 1 deg rotation and 10 deg direction: only AUC@20 separates methods;
- HPatches MMA@3 (tools/evaluation.py, the shared illumination sequences, 40 pairs).

The synthetic scenes (lab/synthetic.py) are matched pixels without images: they measure the
geometry, not a detector, and are left out here.

Models of a new network size are exported into the model cache on first use (needs torch);
int8 rows are quantised there first (tools/quantize.py, calibrated on the TUM frames).
"""

from dataclasses import dataclass, field
import gc
import statistics
import time

import cv2
import numpy as np

from alike_ros.tools import motion_eval, motion_metrics as metrics
from alike_ros.tools.baselines import FEATURES, opencv_detect, opencv_extractor

# input_max_pixels budgets: a VGA frame's (the default, these cameras' native size), a half
# and a quarter of it.
BUDGETS = (307200, 153600, 76800)
# ONNX Runtime int8 pays off on the larger networks only (docs/results.md: alike-l 1.9x,
# alike-n 1.2x, alike-t none).
INT8 = ('alike-n', 'alike-l')
PEERS = ('orb', 'sift')
GAPS = (1, 3)
SEVENSCENES_GAPS = (5, 10)
PRESET = 'fast'
# Keypoint orders every row's pose AUC is also measured at (the noise of RANSAC's sampling:
# the same keypoints in another order give another AUC); the table gives the mean.
ORDERS = 6
# The accuracy the plot and the preset's rule read: offline pose AUC@10 (gaps 1 and 3 pooled).
HEADLINE = '@10'


@dataclass
class Sequence:
    """Frames (RGB) with their camera and ground-truth camera-to-world poses."""

    name: str
    frames: list
    camera: object
    poses: list
    gaps: tuple = GAPS  # the frame gaps the offline pose is scored at


@dataclass
class Row:
    """One detector setting of the frontier and what was measured of it."""

    label: str
    settings: dict = field(default_factory=dict)
    kind: str = 'model'  # 'model', 'preset' or 'peer'
    measured: dict = field(default_factory=dict)


def tum_sequence():
    """Return the shared TUM fr2_desk frames, their camera and ground truth."""
    frames, stamps, camera, _, ground_truth, _ = motion_eval.inputs()
    return Sequence('tum_fr2_desk', frames, camera,
                    metrics.poses_at(metrics.read_tum(ground_truth), stamps))


def sevenscenes_sequence():
    """Return the shared 7-Scenes frames (RGB), their camera and ground truth."""
    from alike_ros.geometry.camera import Camera
    from alike_ros.paths import shared_dir
    from alike_ros.tools import rgbd_folder
    folder = rgbd_folder.read(shared_dir() / 'data' / 'rgbd_7scenes')
    frames, _ = folder.load()
    return Sequence('7scenes', frames, Camera.from_info(folder.camera_info), list(folder.poses),
                    SEVENSCENES_GAPS)


def hpatches_pairs():
    """Return the shared HPatches pairs (real split)."""
    from alike_ros.paths import shared_dir
    from alike_ros.tools.evaluation import real_pairs
    return real_pairs(shared_dir() / 'data' / 'hpatches')


def preset_settings(name=PRESET):
    """Return the detector parameters of config/<name>.yaml, as the launch gives them."""
    import yaml

    from alike_ros.config import DetectorConfig
    from alike_ros.nodes.launch_args import node_parameters
    from alike_ros.paths import config_file
    params = node_parameters(yaml.safe_load(config_file(f'{name}.yaml').read_text()),
                             'alike_detector')
    return {k: v for k, v in params.items() if k in DetectorConfig.__dataclass_fields__}


def rows(models=None, budgets=BUDGETS, int8=INT8, preset=True):
    """Return the frontier's rows: each model at each budget, int8 where it pays, the preset."""
    from alike_ros.extractors import MODEL_NAMES
    out = []
    for model in models or MODEL_NAMES:
        for budget in budgets:
            out.append(Row(f'{model} @{budget}', {'model': model, 'input_max_pixels': budget}))
            if model in int8:
                out.append(Row(f'{model} int8 @{budget}', {
                    'model': model, 'input_max_pixels': budget, 'precision': 'int8'}))
    if preset:
        s = preset_settings()
        out.append(Row(f"preset {PRESET} ({s['model']} @{s['input_max_pixels']}, top_k "
                       f"{s['top_k']})", s, 'preset'))
    return out


class Peer:
    """OpenCV ORB or SIFT (2000 features) as the FrontEnd and the HPatches protocol take it."""

    def __init__(self, name, count=FEATURES):
        """Make the extractor ('orb' or 'sift') and the package's MNN matcher."""
        from alike_ros import matchers
        self.name = name
        self.extractor = opencv_extractor(name, count)
        self.matcher = matchers.get_method('mnn').build()  # Hamming for ORB's codes

    def detect(self, image, bgr=False):
        """Return (keypoints N x 2, descriptors): ORB's codes, SIFT's as unit rows."""
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY if bgr else cv2.COLOR_RGB2GRAY)
        xy, desc = opencv_detect(self.extractor, grey)
        if desc is None:
            desc = np.zeros((0, 32 if self.name == 'orb' else 128),
                            np.uint8 if self.name == 'orb' else np.float32)
        elif self.name == 'sift':
            desc = desc / np.maximum(np.linalg.norm(desc, axis=1, keepdims=True), 1e-12)
        return xy, desc

    def frame(self, image):
        """Return the matchers.base.Frame of a BGR image (the HPatches protocol's call)."""
        from alike_ros.matchers.base import Frame
        return Frame(*self.detect(image, bgr=True))


def _offline(name, feats, sequence):
    from alike_ros.config import MatcherConfig
    cfg = MatcherConfig(geometry='essential')
    return motion_eval.offline(name, feats, sequence.camera, sequence.poses, cfg.estimator(),
                               cfg.threshold(), sequence.gaps, cfg.confidence, cfg.max_iters)


def front_config(name):
    """
    Return the MatcherConfig a feature set's FrontEnd runs with (defaults, essential).

    ORB's descriptors are binary codes: the window pass of the tracks compares unit
    descriptors, so ORB carries its tracks by inlier links only (as odometry-eval's peers).
    """
    from alike_ros.config import MatcherConfig
    config = MatcherConfig(geometry='essential')
    return config.with_changes(track_window=0.0) if name == 'orb' else config


def keyframe_errors(feats, sequence, name='ours'):
    """
    Return pair_errors rows of the FrontEnd's motion (defaults, geometry essential).

    Each frame after the first is scored against the frame its motion refers to (the
    keyframe, or the previous frame); a frame without a motion counts as a failed fit
    against the previous frame, as motion-eval scores the graph.
    """
    from alike_ros.frontend import Frame, FrontEnd
    front = FrontEnd(front_config(name))
    rows = []
    for i, (kp, desc, scores) in enumerate(feats):
        out = front.process(Frame(kp, desc, scores=scores), (i + 1) * 10**8,
                            sequence.camera, tag=i)
        if i == 0:
            continue
        ref = i - 1 if out.motion is None else out.motion_reference
        if sequence.poses[ref] is None or sequence.poses[i] is None:
            continue
        fit = out.motion
        rows.append(metrics.pair_errors(
            None if fit is None else fit.rotation, None if fit is None else fit.translation,
            *metrics.relative_motion(sequence.poses[ref], sequence.poses[i])))
    return rows


def accuracy(name, detect, sequences, pairs, method=None, orders=0):
    """
    Return the accuracy of one feature extractor: pose AUCs, keyframe AUCs, HPatches.

    `detect(rgb)` returns (keypoints, descriptors, scores); `name` is 'ours' or a peer (the
    offline matcher motion_eval gives it); `method` is what tools/evaluation.evaluate takes.
    `orders` > 0 also fits the pose with the keypoints shuffled that many times (seeded): the
    matches' order moves RANSAC's samples, and so the AUCs (`pose_auc_orders`).
    """
    from alike_ros.tools.evaluation import evaluate
    per_sequence, keypoints, shuffled = {}, [], []
    rng = np.random.default_rng(0)
    for index, seq in enumerate(sequences):
        feats = [detect(im) for im in seq.frames]
        keypoints += [len(f[0]) for f in feats]
        by_gap = _offline(name, [(k, d) for k, d, _ in feats], seq)
        pose = [e for s in by_gap.values() for e in s['pose_deg']]
        keyframe = [r['pose_deg'] for r in keyframe_errors(feats, seq, name)]
        per_sequence[seq.name] = {
            'pose_auc': metrics.pose_auc(pose), 'pose_pairs': len(pose), 'pose_deg': pose,
            'keyframe_auc': metrics.pose_auc(keyframe), 'keyframe_pairs': len(keyframe),
            'by_gap': {g: s['auc'] for g, s in by_gap.items()}}
        for _ in range(orders if index == 0 else 0):
            order = [rng.permutation(len(k)) for k, _, _ in feats]
            shuffled.append(metrics.pose_auc([e for s in _offline(name, [
                (k[o], d[o]) for (k, d, _), o in zip(feats, order)], seq).values()
                for e in s['pose_deg']]))
    hp = evaluate(method, pairs)
    # The headline is the first sequence's (TUM: calibrated colour camera, motion-capture
    # truth); the others are reported beside it.
    first = per_sequence[sequences[0].name]
    out = {'pose_auc': first['pose_auc'], 'pose_pairs': first['pose_pairs'],
           'pose_deg': first['pose_deg'], 'keyframe_auc': first['keyframe_auc'],
           'keyframe_pairs': first['keyframe_pairs'], 'sequences': per_sequence,
           'hpatches_mma3': hp['mma'][2], 'hpatches_mha3': hp['mha'][2],
           'keypoints': float(np.median(keypoints))}
    if orders:
        # The headline is the mean over the keypoint orders: on 36 pairs one RANSAC draw moves
        # AUC@10 by up to 0.05, more than most differences between rows.
        aucs = np.array(shuffled + [out['pose_auc']])
        out['pose_auc_given_order'] = out['pose_auc']
        out['pose_auc'] = aucs.mean(0).tolist()
        out['pose_auc_orders'] = {'orders': orders + 1, 'mean': aucs.mean(0).tolist(),
                                  'min': aucs.min(0).tolist(), 'max': aucs.max(0).tolist()}
    return out


def timings(extractors, frames, camera, repeats):
    """
    Return {name: {'detector_ms', 'matcher_ms', 'host_ms', 'detector_vs_orb'}}, round-robin.

    `extractors` maps a name to detect(rgb) -> (keypoints, descriptors, scores); one is 'orb'.
    Every frame goes through each extractor and its own FrontEnd (defaults, geometry
    essential) in turn, the order rotating from frame to frame, so load on the machine falls
    on all alike. The times are medians; `host_ms` is a frame's cost without stage 1 (the
    extractor's `stage1_ms`, where it has one), what a TIDL board's ARM cores run;
    `detector_vs_orb` is the median of each frame's detector time over ORB's on the same
    frame, a moment apart.
    """
    from alike_ros.frontend import Frame, FrontEnd
    names = list(extractors)
    det = {n: [] for n in names}
    match = {n: [] for n in names}
    host = {n: [] for n in names}  # everything but stage 1: the host's share on a TIDL board
    for name in names:  # warm-up: first runs allocate and plan
        extractors[name](frames[0])
    turn = 0
    for _ in range(repeats):
        fronts = {n: FrontEnd(front_config(n)) for n in names}
        for i, image in enumerate(frames):
            turn += 1
            for name in names[turn % len(names):] + names[:turn % len(names)]:
                t0 = time.perf_counter()
                kp, desc, scores = extractors[name](image)
                t1 = time.perf_counter()
                fronts[name].process(Frame(kp, desc, scores=scores), (i + 1) * 10**8, camera)
                t2 = time.perf_counter()
                det[name].append((t1 - t0) * 1e3)
                if i:  # the first frame has nothing to match
                    match[name].append((t2 - t1) * 1e3)
                    host[name].append(
                        (t2 - t0) * 1e3 - getattr(extractors[name], 'stage1_ms', 0.0))
    orb = np.array(det['orb'])
    return {n: {'detector_ms': statistics.median(det[n]),
                'matcher_ms': statistics.median(match[n]),
                'host_ms': statistics.median(host[n]),
                'detector_vs_orb': float(np.median(np.array(det[n]) / orb))} for n in names}


def auc_difference(errors, baseline, samples=2000, seed=0):
    """
    Return AUC(errors) - AUC(baseline) at @5/10/20 with a paired bootstrap's 5-95 % range.

    Both lists hold one pose error per pair, the same pairs in the same order; resampling the
    pairs says how much of a difference so few pairs can tell apart.
    """
    errors, baseline = np.asarray(errors, float), np.asarray(baseline, float)
    rng = np.random.default_rng(seed)
    draws = np.array([np.subtract(metrics.pose_auc(errors[i]), metrics.pose_auc(baseline[i]))
                      for i in rng.integers(0, len(errors), (samples, len(errors)))])
    diff = np.subtract(metrics.pose_auc(errors), metrics.pose_auc(baseline))
    low, high = np.percentile(draws, [5, 95], axis=0)
    return {f'@{t:g}': {'difference': float(d), 'range_5_95': [float(a), float(b)]}
            for t, d, a, b in zip(metrics.AUC_THRESHOLDS, diff, low, high)}


class Ours:
    """A Detector as the frontier calls it, keeping the last frame's stage-1 time."""

    def __init__(self, detector):
        """Wrap a Detector."""
        self.detector = detector
        self.stage1_ms = 0.0  # what an accelerator would take off the host

    def __call__(self, image):
        """Return (keypoints, descriptors, scores) of an RGB image."""
        f = self.detector.detect(image)
        self.stage1_ms = f.timings['stage1']
        return f.keypoints, f.descriptors, f.scores


def _peer_detect(peer):
    def detect(image):
        kp, desc = peer.detect(image)
        return kp, desc, None
    return detect


def measure(row_list, sequences, pairs, repeats=2, progress=print):
    """Measure every row (and ORB, SIFT once for accuracy); return (rows, peers)."""
    from alike_ros.config import DetectorConfig
    from alike_ros.detector import Detector
    from alike_ros.tools.evaluation import DetectorMethod
    from alike_ros.tools.quantize import quantize_sizes
    peers = {name: Peer(name) for name in PEERS}
    peer_rows = {name: Row(name.upper(), {'features': FEATURES}, 'peer') for name in PEERS}
    for name, peer in peers.items():
        det = _peer_detect(peer)
        peer_rows[name].measured.update(accuracy(name, det, sequences, pairs, peer, ORDERS))
    timing_frames = sequences[0].frames
    image_sizes = {im.shape[:2] for s in sequences for im in s.frames} | \
        {im.shape[:2] for p in pairs for im in (p.image0, p.image1)}
    peer_times = {n: [] for n in PEERS}
    for index, row in enumerate(row_list, 1):
        started = time.perf_counter()
        cfg = DetectorConfig(threads=2).with_changes(**row.settings)
        if cfg.precision == 'int8':  # quantised at each network size this budget gives
            quantize_sizes(cfg.model, image_sizes, cfg)
        detector = Detector(cfg)

        ours = Ours(detector)

        m = row.measured
        m.update(accuracy('ours', ours, sequences, pairs, DetectorMethod(row.label, detector),
                          ORDERS))
        m['network'] = 'x'.join(map(str, detector.preprocess(timing_frames[0]).blob.shape[2:]))
        m['config'] = {k: getattr(detector.config, k) for k in (
            'model', 'input_max_pixels', 'precision', 'top_k', 'scores_th')}
        # The preset's claim rests on its ratio to ORB: three times the frames.
        t = timings({'ours': ours, **{n: _peer_detect(p) for n, p in peers.items()}},
                    timing_frames, sequences[0].camera,
                    repeats * (3 if row.kind == 'preset' else 1))
        m.update(t['ours'])
        m['total_ms'] = m['detector_ms'] + m['matcher_ms']
        m['same_loop'] = {n: t[n] for n in PEERS}
        for n in PEERS:
            peer_times[n].append(t[n])
        del detector, ours
        gc.collect()
        if progress:
            progress(f"[{index}/{len(row_list)}] {row.label}: detector "
                     f"{m['detector_ms']:.1f} ms ({m['detector_vs_orb']:.2f}x ORB), matcher "
                     f"{m['matcher_ms']:.1f} ms, pose AUC {_auc(m['pose_auc'])}, MMA@3 "
                     f"{m['hpatches_mma3']:.3f} ({time.perf_counter() - started:.0f} s)")
    for n in PEERS:  # the peers' cost: the median over every row's loop
        loops = peer_times[n]
        d = statistics.median(r['detector_ms'] for r in loops)
        mt = statistics.median(r['matcher_ms'] for r in loops)
        peer_rows[n].measured.update(
            detector_ms=d, matcher_ms=mt, total_ms=d + mt, loops=len(loops),
            host_ms=statistics.median(r['host_ms'] for r in loops),
            detector_vs_orb=statistics.median(r['detector_vs_orb'] for r in loops))
    return row_list, list(peer_rows.values())


def _auc(values):
    return ' / '.join(f'{a:.2f}' for a in values)


def headline(row):
    """Return the accuracy the plot and the preset's rule read (offline pose AUC@10)."""
    return row.measured['pose_auc'][list(metrics.AUC_THRESHOLDS).index(
        float(HEADLINE[1:]))]


def pareto(points):
    """Return the indices of (cost, accuracy) points no other point beats on both, by cost."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], -np.inf
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def seven_auc(row):
    """Return the 7-Scenes pose AUC@5/10/20 of a row (zeros where not measured)."""
    return row.measured['sequences'].get('7scenes', {}).get('pose_auc', [0.0, 0.0, 0.0])


def fast_candidates(model_rows, orb, max_ratio=1.5):
    """
    Rows whose detector costs at most `max_ratio` x ORB's, with ORB's pose accuracy or more.

    Accuracy: TUM pose AUC@10 and @20, and 7-Scenes AUC@20, each at least ORB's. AUC@5 on 36
    pairs moves by about 0.03 with the keypoints' order alone (`pose_auc_orders`): it is
    reported, with a bootstrap range of the difference, not ruled on.
    """
    def enough(r):
        m, o = r.measured, orb.measured
        return (m['pose_auc'][1] >= o['pose_auc'][1] and m['pose_auc'][2] >= o['pose_auc'][2]
                and seven_auc(r)[2] >= seven_auc(orb)[2])
    return [r for r in model_rows if r.measured['detector_vs_orb'] <= max_ratio and enough(r)]


def markdown(model_rows, peers):
    """Return the frontier table, cheapest first, the Pareto rows in bold."""
    everything = list(model_rows) + list(peers)
    on_front = {id(everything[i]) for i in pareto(
        [(r.measured['total_ms'], headline(r)) for r in everything])}
    lines = ['| setting | network | keypoints | detector ms (x ORB) | matcher ms | total ms | '
             'host ms | '
             'pose AUC@5 / @10 / @20 | keyframe AUC@5 / @10 / @20 | 7-Scenes AUC@10 / @20 | '
             'HPatches MMA@3 |',
             '|---|---|---:|---:|---:|---:|---:|---|---|---|---:|']
    for r in sorted(everything, key=lambda r: r.measured['total_ms']):
        m = r.measured
        label = f'**{r.label}**' if id(r) in on_front else r.label
        lines.append(
            f"| {label} | {m.get('network', '')} | {m['keypoints']:.0f} | "
            f"{m['detector_ms']:.1f} ({m['detector_vs_orb']:.2f}x) | {m['matcher_ms']:.1f} | "
            f"{m['total_ms']:.1f} | {m['host_ms']:.1f} | {_auc(m['pose_auc'])} | "
            f"{_auc(m['keyframe_auc'])} | "
            f"{_auc(seven_auc(r)[1:])} | {m['hpatches_mma3']:.3f} |")
    return '\n'.join(lines)


FAMILY_COLOURS = {'alike': 'tab:blue', 'edgepoint2': 'tab:green', 'xfeat': 'tab:purple'}
BUDGET_MARKERS = {307200: 'o', 153600: 's', 76800: '^'}


def plot(model_rows, peers, path, cpu=''):
    """Cost against pose AUC and against HPatches MMA@3, the Pareto fronts drawn."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from alike_ros.extractors import family_of
    everything = list(model_rows) + list(peers)
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
    panels = ((headline, f'pose AUC{HEADLINE} (TUM fr2_desk, gaps 1 and 3, PoseLib)'),
              (lambda r: r.measured['hpatches_mma3'], 'HPatches MMA@3'))
    for ax, (value, title) in zip(axes, panels):
        points = [(r.measured['total_ms'], value(r)) for r in everything]
        for r, (x, y) in zip(everything, points):
            if r.kind == 'peer':
                ax.plot(x, y, '*', color='black', markersize=13)
                ax.annotate(r.label, (x, y), textcoords='offset points', xytext=(6, -10))
                continue
            s = r.measured['config']
            colour = FAMILY_COLOURS.get(family_of(s['model']).name, 'grey')
            marker = BUDGET_MARKERS.get(s['input_max_pixels'], 'D')
            hollow = s['precision'] == 'int8'
            ax.plot(x, y, marker, markersize=7, color=colour,
                    markerfacecolor='none' if hollow else colour, alpha=0.85)
            if r.kind == 'preset':
                ax.plot(x, y, 'o', markersize=16, markerfacecolor='none', color='red')
                ax.annotate(r.label, (x, y), textcoords='offset points', xytext=(8, 6),
                            color='red')
        front = pareto(points)
        ax.plot([points[i][0] for i in front], [points[i][1] for i in front], '--',
                color='black', alpha=0.5, linewidth=1)
        for i in front:
            if everything[i].kind == 'model':
                ax.annotate(everything[i].label, points[i], textcoords='offset points',
                            xytext=(4, 4), fontsize=6.5)
        ax.set_xscale('log')
        ax.set_xlabel('detector + FrontEnd ms per 640x480 frame (median, log scale)')
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3, which='both')
    handles = [plt.Line2D([], [], color=c, marker='o', linestyle='', label=f)
               for f, c in FAMILY_COLOURS.items()]
    handles += [plt.Line2D([], [], color='grey', marker=m, linestyle='',
                           label=f'input_max_pixels {b}') for b, m in BUDGET_MARKERS.items()]
    handles += [plt.Line2D([], [], color='grey', marker='o', markerfacecolor='none',
                           linestyle='', label='int8'),
                plt.Line2D([], [], color='black', marker='*', linestyle='',
                           label='OpenCV, 2000 features'),
                plt.Line2D([], [], color='black', linestyle='--', label='Pareto front')]
    axes[1].legend(handles=handles, fontsize=7, loc='lower right')
    fig.suptitle(f'Speed/accuracy frontier ({cpu}; ORB, SIFT and each row in one loop)',
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(out, models=None, budgets=BUDGETS, int8=INT8, repeats=2, preset=True,
        progress=print):
    """Run the frontier; write frontier.json, frontier.md and frontier.png to `out`."""
    import json
    from pathlib import Path

    from alike_ros.runtime import cpu_summary
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    sequences = [tum_sequence(), sevenscenes_sequence()]
    pairs = hpatches_pairs()
    model_rows, peers = measure(rows(models, budgets, int8, preset), sequences, pairs,
                                repeats, progress)
    cpu = cpu_summary()
    orb = next(p for p in peers if p.label == 'ORB')
    fast = [r.label for r in fast_candidates(model_rows, orb)]
    preset_row = next((r for r in model_rows if r.kind == 'preset'), None)
    report = {
        'cpu': cpu, 'minutes': (time.perf_counter() - started) / 60, 'repeats': repeats,
        'sequences': {s.name: len(s.frames) for s in sequences}, 'hpatches_pairs': len(pairs),
        'rows': [{'label': r.label, 'kind': r.kind, 'settings': r.settings, **r.measured}
                 for r in list(model_rows) + list(peers)],
        'fast_candidates': fast}
    if preset_row is not None:
        report['preset_vs_orb'] = {
            'settings': preset_row.settings,
            'detector_vs_orb': preset_row.measured['detector_vs_orb'],
            'pose_auc': preset_row.measured['pose_auc'], 'orb_pose_auc': orb.measured['pose_auc'],
            'pose_auc_orders': preset_row.measured['pose_auc_orders'],
            'orb_pose_auc_orders': orb.measured['pose_auc_orders'],
            'pose_auc_difference': auc_difference(preset_row.measured['pose_deg'],
                                                  orb.measured['pose_deg']),
            'keyframe_auc': preset_row.measured['keyframe_auc'],
            'orb_keyframe_auc': orb.measured['keyframe_auc'],
            'sevenscenes_auc': seven_auc(preset_row), 'orb_sevenscenes_auc': seven_auc(orb),
            'meets_rule': preset_row in fast_candidates([preset_row], orb)}
    (out / 'frontier.json').write_text(json.dumps(motion_eval.json_ready(report), indent=1))
    table = markdown(model_rows, peers)
    (out / 'frontier.md').write_text(table + '\n')
    plot(model_rows, peers, out / 'frontier.png', cpu)
    return report, table
