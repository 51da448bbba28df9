# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
`alike-ros motion-eval`: the graph's `/motion` against ground truth, with offline peers.

The frames (an image folder whose file names are TUM timestamps, or a bag) and a CameraInfo
go through the real graph under `ros2 launch` as `alike-ros demo` runs it; every
TransformStamped on `motion` is scored against the ground-truth motion between its frame and
the frame it refers to (the previous one, or the keyframe its MatchArray names). In the same
run the same keypoints (the detector, offline), OpenCV SIFT and ORB go through the same
geometry at frame gaps 1, 3 and 5. Writes motion.json and motion.png.
"""

import json
from pathlib import Path

import cv2
import numpy as np

from alike_ros import matchers
from alike_ros.matchers.base import Frame, Matcher, Matches
from alike_ros.runtime import cpu_summary
from alike_ros.tools import motion_metrics as metrics

GAPS = (1, 3, 5)
PEERS = ('sift', 'orb')
# The matcher's track_budget: the detection it chooses from on the TUM frames (top_k).
BUDGET_POOL = 1000


def image_stamps(files):
    """Seconds of each image file named by its timestamp (TUM); ValueError otherwise."""
    try:
        return [float(Path(f).stem) for f in files]
    except ValueError:
        raise ValueError('image file names must be timestamps in seconds (as TUM names '
                         'them) to look up the ground truth; or give a bag') from None


def bag_frames(bag, topic=None):
    """
    Return ([RGB images], [stamps ns]) of a bag's image topic (its headers' stamps).

    `topic`: the image topic (sensor_msgs Image or CompressedImage); by default the bag's
    only one, or /camera/image_raw among several. Grey images come back as RGB.
    """
    from rosbags.typesys import get_typestore, Stores

    from alike_ros.image_encoding import image_to_array
    from alike_ros.tools.bag import COMPRESSED_TYPE, image_topic, read_bag
    topic = image_topic(bag, topic)
    store = get_typestore(Stores.ROS2_JAZZY)
    images, stamps = [], []
    for _, msgtype, _, data in read_bag(bag, {topic}):
        msg = store.deserialize_cdr(data, msgtype)
        if msgtype == COMPRESSED_TYPE:
            bgr = cv2.imdecode(np.frombuffer(bytes(msg.data), np.uint8), cv2.IMREAD_COLOR)
            if bgr is None:
                raise ValueError(f'{bag}: a {msg.format} image on {topic} does not decode')
            image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        else:
            image = image_to_array(msg.encoding, msg.height, msg.width, msg.step,
                                   bytes(msg.data))
        images.append(cv2.cvtColor(image, cv2.COLOR_GRAY2RGB) if image.ndim == 2 else image)
        stamps.append(msg.header.stamp.sec * 10**9 + msg.header.stamp.nanosec)
    if not images:
        raise ValueError(f'{bag} has no messages on {topic}')
    return images, stamps


def features(name, images, detector_config):
    """[(keypoints N x 2, descriptors)] of RGB images: 'ours' (the detector), 'sift', 'orb'."""
    if name in PEERS:
        from alike_ros.tools.baselines import opencv_features
        return opencv_features(name, [cv2.cvtColor(im, cv2.COLOR_RGB2BGR) for im in images])
    from alike_ros.detector import Detector
    detector = Detector(detector_config)
    return [(f.keypoints, f.descriptors) for f in (detector.detect(im) for im in images)]


class PeerMatcher(Matcher):
    """Ours by the mnn method (cosine), the peers by OpenCV's cross-check (L2 / Hamming)."""

    def __init__(self, name):
        """Match as `name` ('ours', 'sift' or 'orb') is matched."""
        super().__init__(None)
        self.name = name
        self.mnn = matchers.get_method('mnn').build()

    def match(self, previous, current):
        """Return the Matches of two Frames."""
        if self.name not in PEERS:
            return self.mnn.match(previous, current)
        from alike_ros.tools.baselines import cross_check_match
        pairs = cross_check_match(self.name, previous.descriptors, current.descriptors)
        return Matches.of(pairs, np.ones(len(pairs), np.float32), previous.keypoints,
                          current.keypoints)


def offline(name, feats, camera, poses, method, threshold, gaps=GAPS, confidence=0.999,
            max_iters=2000):
    """
    Score one feature set's essential fits at each frame gap: {gap: summary}.

    Each pair runs through the matcher's FrontEnd (frame-to-frame motion, no tracks), with
    the feature set's own matching; `match_fit_ms` is the FrontEnd's matching and fit.
    """
    from alike_ros.config import MatcherConfig
    from alike_ros.frontend import FrontEnd
    config = MatcherConfig(geometry='essential', motion_reference='previous', track_window=0.0,
                           track_max_missed=0, robust_method=method, reproj_threshold=threshold,
                           confidence=confidence, max_iters=max_iters, min_inliers=5)
    front = FrontEnd(config, matcher=PeerMatcher(name))
    out = {}
    for gap in gaps:
        rows, times = [], []
        for i in range(len(feats) - gap):
            if poses[i] is None or poses[i + gap] is None:
                continue
            front.reset()
            front.process(Frame(*feats[i]), 1, camera)
            result = front.process(Frame(*feats[i + gap]), 2, camera)
            times.append(result.timings['match_fit'])
            motion = result.motion
            rows.append(metrics.pair_errors(
                None if motion is None else motion.rotation,
                None if motion is None else motion.translation,
                *metrics.relative_motion(poses[i], poses[i + gap])))
        out[gap] = {**metrics.summarise(rows),
                    'match_fit_ms': float(np.median(times)) if times else None,
                    'pose_deg': [r['pose_deg'] for r in rows]}
    return out


def graph_errors(result, stamp_of):
    """
    Score the graph's motions: [{stamp_ns, reference_ns, rotation_deg, ..., reason}].

    `stamp_of` maps a bag stamp (ns) to its ground-truth pose (or None). A motion refers to
    the frame its MatchArray's motion_reference names; a frame after the first without a
    motion counts as a failed fit (infinite error) against the previous frame.
    """
    from alike_ros.geometry import rotation_from_quaternion
    from alike_ros.nodes.messages import stamp_ns
    rows = []
    for stamp, mt in sorted(result.matches.items()):
        ref = stamp_ns(mt.motion_reference.stamp) or stamp_ns(mt.previous_header.stamp)
        if not ref:
            continue  # the first frame: nothing to refer to
        pose_ref, pose_cur = stamp_of(ref), stamp_of(stamp)
        if pose_ref is None or pose_cur is None:
            continue
        msg = result.motions.get(stamp)
        rotation = translation = None
        if msg is not None:
            q, t = msg.transform.rotation, msg.transform.translation
            rotation = rotation_from_quaternion(q.x, q.y, q.z, q.w)
            translation = np.array([t.x, t.y, t.z])
        row = metrics.pair_errors(rotation, translation,
                                  *metrics.relative_motion(pose_ref, pose_cur))
        rows.append({'stamp_ns': stamp, 'reference_ns': ref, 'valid': bool(mt.valid),
                     'keyframe': bool(mt.keyframe), 'reason': mt.reason, **row})
    return rows


def graph(out, frames, stamps_ns, camera_info, matcher_params, detector_params, bag_rate=1.0):
    """
    Run the graph under ros2 launch on the frames; return (Replay, stamps ns in order).

    The frames go into a bag of their own (out/bag: the launch's topics, each frame with its
    stamp and a CameraInfo of `camera_info`'s fields), whatever topics the input had.
    """
    from alike_ros.tools.bag import make_bag
    from alike_ros.tools.demo import reliable_params
    from alike_ros.tools.replay import launch_replay
    out.mkdir(parents=True, exist_ok=True)
    bag = out / 'bag'
    if bag.exists():
        import shutil
        shutil.rmtree(bag)
    make_bag(frames, bag, camera_info=camera_info, stamps_ns=stamps_ns)
    params = reliable_params(out / 'params.yaml', detector_params, matcher_params)
    with open(out / 'launch.log', 'w') as log:
        result, code = launch_replay(bag, len(frames), params_file=params, overlay=False,
                                     log=log, bag_rate=bag_rate)
    if code != 0:
        raise RuntimeError(f'ros2 launch exited {code}: see {out / "launch.log"}')
    return result, list(stamps_ns)


def inputs(images=None, bag=None, camera_info=None, ground_truth=None, image_topic=None):
    """
    Return (RGB frames, stamps s, Camera, camera_info fields, ground-truth path, images).

    The calibration: `camera_info` (a YAML file), else with a bag its own CameraInfo beside
    the image topic, else the TUM Freiburg 2 camera. Its fields say where they came from
    ('source').
    """
    from alike_ros.geometry.camera import Camera
    from alike_ros.paths import config_file, tum_dir
    from alike_ros.tools.bag import bag_camera_info, load_camera_info, read_frames
    from alike_ros.tools.image_files import image_files
    info = None
    if bag is None:
        images = Path(images or tum_dir())
        frames = list(read_frames(images))
        stamps = image_stamps(image_files([images]))
    else:
        frames, stamps_ns = bag_frames(bag, image_topic)
        stamps = [s / 1e9 for s in stamps_ns]
        if camera_info is None:
            from alike_ros.tools.bag import image_topic as chosen_topic
            topic = chosen_topic(bag, image_topic)
            info = bag_camera_info(bag, topic)
            if info is None:
                raise ValueError(f'{bag} has no CameraInfo beside {topic}: give the '
                                 'calibration with --camera-info')
            info['source'] = f'{bag} (CameraInfo)'
    if info is None:
        camera_info = camera_info or config_file('tum_freiburg2_camera_info.yaml')
        info = {**load_camera_info(camera_info), 'source': str(camera_info)}
    ground_truth = ground_truth or tum_dir().parent / 'tum_groundtruth.txt'
    camera = Camera.from_info(info)
    return frames, stamps, camera, info, ground_truth, images


def configs(matcher_params, detector_params):
    """Return (MatcherConfig, DetectorConfig) of parameter dicts (unknown names ignored)."""
    from alike_ros.config import DetectorConfig, MatcherConfig
    mcfg = MatcherConfig().with_changes(**{k: v for k, v in matcher_params.items()
                                           if k in MatcherConfig.__dataclass_fields__})
    dcfg = DetectorConfig().with_changes(**{k: v for k, v in detector_params.items()
                                            if k in DetectorConfig.__dataclass_fields__})
    return mcfg, dcfg


def tracks(result, frames, camera, mcfg, dcfg):
    """
    Return track lengths: the graph's, KLT's and ours offline (the matcher's FrontEnd).

    KLT as VINS runs it (corners 30 px apart) and with as many corners as the graph has;
    ours offline with as many keypoints as KLT-VINS has (top_k), windowed and inlier-only,
    and with the matcher's track_budget at that count from a larger detection.
    """
    from alike_ros.tools import track_eval
    out = {}
    if result is not None:
        out['graph'] = track_eval.track_stats(
            [np.asarray(m.track_ids) for _, m in sorted(result.matches.items())])
    bgr = [cv2.cvtColor(im, cv2.COLOR_RGB2BGR) for im in frames]
    out['klt_vins'] = track_eval.klt_tracks(bgr, 1000, 30)
    out['klt_vins'] = track_eval.track_stats(out['klt_vins'])
    per_frame = out.get('graph', {}).get('points_per_frame', 1000)
    out['klt_dense'] = track_eval.track_stats(track_eval.klt_tracks(
        bgr, int(round(per_frame)), 5))
    count = int(round(out['klt_vins']['points_per_frame']))
    # One detector for every top_k below (a live, stage-2 setting: no new session).
    from alike_ros.detector import Detector
    detector = Detector(dcfg)

    def detect(top_k):
        detector.update(top_k=top_k)
        return [(f.keypoints, f.descriptors, f.scores) for f in map(detector.detect, frames)]

    feats = detect(count)
    out[f'ours_top_k_{count}'] = track_eval.track_stats(
        track_eval.offline_tracks(feats, camera, mcfg))
    # The same count of tracked points per frame as KLT: top_k raised 10 at a time.
    for top_k in range(count + 10, 3 * count, 10):
        stats = track_eval.track_stats(track_eval.offline_tracks(detect(top_k), camera, mcfg))
        if stats['tracked_per_frame'] >= out['klt_vins']['tracked_per_frame']:
            out[f'ours_top_k_{top_k}_tracking_as_many'] = stats
            break
    out[f'ours_top_k_{count}_inlier_links_only'] = track_eval.track_stats(
        track_eval.offline_tracks(feats, camera, mcfg.with_changes(track_window=0.0,
                                                                   track_max_missed=0)))
    # As a KLT front-end keeps its corners: the matcher's track_budget at KLT's count, from a
    # top_k 1000 detection (continuations first, then new tracks by score).
    pool = detect(BUDGET_POOL)
    out[f'ours_budget_{count}_of_top_k_{BUDGET_POOL}'] = track_eval.track_stats(
        track_eval.offline_tracks(pool, camera, mcfg.with_changes(track_budget=count)))
    return out


def run(out, images=None, bag=None, camera_info=None, ground_truth=None, matcher_params=None,
        detector_params=None, gaps=GAPS, peers=PEERS, estimators=None, launch=True,
        track_report=True, bag_rate=1.0, image_topic=None):
    """
    Run the evaluation; write motion.json and motion.png to `out`; return the report dict.

    `estimators` are (method, threshold) pairs for the offline part (default: the matcher
    parameters' own). With images, their file names are the stamps; with a bag, the image
    headers' stamps on `image_topic` (the frames then go to the graph in a bag of their own,
    with the launch's topic names).
    `bag_rate` scales the graph's playback (the motions do not depend on it; a slower bag
    lets a loaded machine process every frame).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames, stamps, camera, camera_info, ground_truth, images = inputs(
        images, bag, camera_info, ground_truth, image_topic)
    poses = metrics.poses_at(metrics.read_tum(ground_truth), stamps)
    if sum(p is not None for p in poses) < 2:
        raise ValueError(f'{ground_truth} has poses at {sum(p is not None for p in poses)} of '
                         f'the {len(stamps)} frame stamps ({stamps[0]:.3f}-{stamps[-1]:.3f} s): '
                         'give the trajectory of these frames with --ground-truth')
    matcher_params = {'geometry': 'essential', **(matcher_params or {})}
    detector_params = detector_params or {}
    mcfg, dcfg = configs(matcher_params, detector_params)
    report = {'frames': len(frames), 'camera_info': camera_info['source'],
              'ground_truth': str(ground_truth), 'matcher': matcher_params,
              'detector': detector_params, 'cpu': cpu_summary()}
    result = None
    # Our keypoints first: the detector exports the stage-1 model of this camera's size into
    # the cache where it is missing, so the graph's detector does not drop frames doing it.
    ours = features('ours', frames, dcfg)
    if launch:
        result, bag_stamps = graph(out, frames, [round(t * 1e9) for t in stamps], camera_info,
                                   matcher_params, detector_params, bag_rate)
        by_stamp = dict(zip(bag_stamps, poses))  # the bag's stamps, in frame order
        rows = graph_errors(result, by_stamp.get)
        report['graph'] = {**metrics.summarise(rows), 'pairs_detail': rows,
                           'frames_in': len(bag_stamps), 'frames_out': len(result.matches),
                           'keyframes': sum(r['keyframe'] for r in rows),
                           'reference_gap_mean': float(np.mean([
                               (r['stamp_ns'] - r['reference_ns']) for r in rows])
                               / np.median(np.diff(bag_stamps))) if rows else None}
    estimators = estimators or [(mcfg.estimator(), mcfg.threshold())]
    report['offline'] = {}
    for name in ('ours',) + tuple(peers):
        feats = ours if name == 'ours' else features(name, frames, dcfg)
        for method, threshold in estimators:
            key = f'{name} {method} {threshold:g}px'
            report['offline'][key] = offline(name, feats, camera, poses, method, threshold,
                                             gaps, mcfg.confidence, mcfg.max_iters)
    if track_report:
        report['tracks'] = tracks(result, frames, camera, mcfg, dcfg)
    (out / 'motion.json').write_text(json.dumps(json_ready(report), indent=1))
    plot(report, out / 'motion.png')
    return report


def markdown(report):
    """Return the report's tables: graph and offline motion, tracks."""
    lines = ['| what | gap | pairs | valid | AUC@5 / @10 / @20 | rotation err median (deg) | '
             'translation dir err median (deg) |', '|---|---:|---:|---:|---|---:|---:|']

    def row(label, gap, s):
        auc = ' / '.join(f'{a:.3f}' for a in s['auc'].values())
        rot, tr = s['rotation_deg']['median'], s['translation_deg']['median']
        lines.append(f"| {label} | {gap} | {s['pairs']} | {s['valid']} | {auc} | "
                     f"{rot if rot is None else f'{rot:.3f}'} | "
                     f"{tr if tr is None else f'{tr:.2f}'} |")
    if 'graph' in report:
        g = report['graph']
        gap = 'keyframe' if g.get('keyframes') else 1
        row('graph `/motion` (ros2 launch)', gap, g)
    for key, by_gap in report['offline'].items():
        for gap, s in by_gap.items():
            row(f'offline {key}', gap, s)
    if report.get('tracks'):
        lines += ['', '| tracks | points / frame | tracked / frame | >= 5 frames | '
                      '>= 10 frames | p90 length | wrong continuations |',
                  '|---|---:|---:|---:|---:|---:|---:|']
        for key, t in report['tracks'].items():
            if 'wrong_share' in t:
                lines.append(f"| {key} | | | {t['tracks_5_or_longer']} | "
                             f"{t['tracks_10_or_longer']} | | {t['wrong']} of "
                             f"{t['continuations']} ({t['wrong_share']:.2%}) |")
            else:
                lines.append(f"| {key} | {t['points_per_frame']:.0f} | "
                             f"{t['tracked_per_frame']:.0f} | {t['tracks_5_or_longer']} | "
                             f"{t['tracks_10_or_longer']} | {t['p90_length']:.0f} | |")
    return '\n'.join(lines)


def json_ready(value):
    """JSON-ready copy: numpy scalars as Python numbers, inf / nan (failed fits) as None."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def plot(report, path):
    """Errors per frame of the graph, and cumulative pose-error curves, as one PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4))
    rows = report.get('graph', {}).get('pairs_detail', [])
    if rows:
        x = np.arange(len(rows))
        for key, style in (('rotation_deg', 'o-'), ('translation_deg', 's-')):
            y = [r[key] if np.isfinite(r[key]) else np.nan for r in rows]
            ax0.plot(x, y, style, markersize=3, label=key.replace('_deg', ' error (deg)'))
        for n, i in enumerate(i for i, r in enumerate(rows) if r['keyframe']):
            ax0.axvline(i, color='k', alpha=0.2, label=None if n else 'becomes the keyframe')
        ax0.set_yscale('log')
        ax0.legend(fontsize=8)
    ax0.set_xlabel('pair (graph, /motion)')
    ax0.set_title('graph: error per pair')
    ax0.grid(alpha=0.3)
    curves = []
    if rows:
        curves.append(('graph /motion', [r['pose_deg'] for r in rows], 'k-'))
    for key, by_gap in report['offline'].items():
        gap = min(by_gap, key=int)
        curves.append((f'{key}, gap {gap}', by_gap[gap]['pose_deg'], '--'))
    for label, errors, style in curves:
        e = np.sort(np.asarray(errors, np.float64))
        ax1.plot(np.r_[0, e], np.r_[0, np.arange(1, len(e) + 1) / len(e)], style,
                 drawstyle='steps-post', label=label)
    ax1.set_xlim(0, 20)
    ax1.set_ylim(0, 1)
    ax1.set_xlabel('pose error max(rotation, translation direction) (deg)')
    ax1.set_ylabel('share of pairs')
    ax1.set_title('cumulative pose error (AUC@20 = area / 20)')
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
