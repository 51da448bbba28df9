# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
`alike-ros demo`: the shared TUM frames as a bag, through `ros2 launch`, headless.

Writes overlay PNGs, an animated GIF, summary.json (fps, latency percentiles, keypoints,
matches and inliers per frame) and a plot, and prints where they are.
"""

import json
from pathlib import Path
import shutil

import cv2
import numpy as np

from alike_ros.geometry.tracks import UNTRACKED
from alike_ros.paths import config_file, tum_dir
from alike_ros.tools.bag import load_camera_info, make_bag
from alike_ros.tools.replay import launch_replay


def track_stats(matches):
    """Track lengths (frames) over a run's MatchArrays: how long keypoints stay tracked."""
    lengths = {}
    for msg in matches:
        for track, age in zip(msg.track_ids, msg.track_ages):
            if track != UNTRACKED:  # outside a track budget
                lengths[track] = max(lengths.get(track, 0), age)
    if not lengths:
        return {}
    n = np.array(list(lengths.values()))
    return {'tracks': int(len(n)), 'median_length': float(np.median(n)),
            'mean_length': float(n.mean()), 'p90_length': float(np.percentile(n, 90)),
            'max_length': int(n.max()), 'tracks_5_or_longer': int((n >= 5).sum())}


def motion_stats(motions, matches=None):
    """
    Rotation of each pose and how smooth it is, from the essential fits' TransformStamped.

    Each pose is measured from the frame its MatchArray names (motion_reference: the previous
    frame, or the keyframe). smoothness: the angle between consecutive rotations and between
    consecutive translation directions (meaningful frame to frame; across a new keyframe the
    reference changes). `matches` (stamp -> MatchArray) adds the keyframes and how many
    frames back the poses reach.
    """
    from alike_ros.geometry import angle_between_deg, rotation_angle_deg, \
        rotation_from_quaternion
    rotations, directions = [], []
    for _, msg in sorted(motions.items()):
        q = msg.transform.rotation
        rotations.append(rotation_from_quaternion(q.x, q.y, q.z, q.w))
        t = msg.transform.translation
        directions.append([t.x, t.y, t.z])
    if not rotations:
        return {}
    angles = [rotation_angle_deg(r) for r in rotations]
    steps = [rotation_angle_deg(b @ a.T) for a, b in zip(rotations, rotations[1:])]
    turns = [angle_between_deg(a, b) for a, b in zip(directions, directions[1:])]

    def spread(v):
        return {'median': float(np.median(v)), 'p95': float(np.percentile(v, 95)),
                'max': float(np.max(v))} if len(v) else {}
    out = {'poses': len(rotations), 'rotation_deg': spread(angles),
           'rotation_change_deg': spread(steps), 'translation_direction_change_deg':
           spread(turns)}
    if matches:
        from alike_ros.nodes.messages import stamp_ns
        at = {s: i for i, s in enumerate(sorted(matches))}
        refs = {s: stamp_ns(m.motion_reference.stamp) for s, m in matches.items()}
        back = [at[s] - at[refs[s]] for s in matches if s in motions and refs[s] in at]
        out['keyframes'] = sum(bool(m.keyframe) for m in matches.values())
        out['frames_back'] = spread(back)
    return out


def summarise(result, bag_frames):
    """Build the summary dict of a Replay."""
    frames = []
    for stamp in sorted(result.sent):
        kp = result.keypoints.get(stamp)
        mt = result.matches.get(stamp)
        frames.append({
            'stamp_ns': stamp,
            'keypoints': int(len(kp[1].scores)) if kp else None,
            'matches': int(mt.num_matches) if mt else None,
            'inliers': int(mt.num_inliers) if mt else None,
            'valid': bool(mt.valid) if mt else None,
            'undistorted': bool(mt.undistorted) if mt else None,
            'reason': mt.reason if mt else 'no output (frame dropped)',
        })
    lat = result.latencies_ms()
    valid = [f for f in frames if f['valid']]
    ratios = [f['inliers'] / f['matches'] for f in valid if f['matches']]
    stats = result.detector_stats
    geometry = next((m.geometry for m in result.matches.values()), '')
    return {
        'frames_in': bag_frames,
        'keypoint_frames_out': result.keypoint_msgs,
        'fps_out': result.fps_out(),
        'latency_ms': {'p50': float(np.percentile(lat, 50)), 'p95': float(np.percentile(lat, 95)),
                       'max': float(lat.max())} if len(lat) else {},
        'detector': {k: stats[k] for k in sorted(stats)},
        'matcher': {k: result.matcher_stats[k] for k in sorted(result.matcher_stats)},
        'geometry': geometry,
        'valid_fits': len(valid),
        'median_inlier_ratio': float(np.median(ratios)) if ratios else None,
        'inlier_ratio': {'min': float(np.min(ratios)), 'max': float(np.max(ratios))}
        if ratios else {},
        'tracks': track_stats(m for _, m in sorted(result.matches.items())),
        'motion': motion_stats(result.motions, result.matches),
        'frames': frames,
    }


def plot(summary, path):
    """Keypoints, matches and inliers per frame, and latency, as one PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    frames = summary['frames']
    x = np.arange(len(frames))
    fig, ax = plt.subplots(figsize=(8, 4))
    for key, style in (('keypoints', 'o-'), ('matches', 's-'), ('inliers', '^-')):
        y = [f[key] if f[key] is not None else np.nan for f in frames]
        ax.plot(x, y, style, label=key, markersize=3)
    ax.set_xlabel('frame')
    ax.set_ylabel('count')
    lat = summary['latency_ms']
    nan = float('nan')
    ax.set_title(f"alike_ros demo: {summary['fps_out']:.1f} fps out, latency p50 "
                 f"{lat.get('p50', nan):.0f} ms / p95 {lat.get('p95', nan):.0f} ms")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_gif(images, path, fps=5):
    """Animated GIF of BGR frames (half size, to keep it small)."""
    from PIL import Image as PilImage
    small = [cv2.resize(im, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA) for im in images]
    frames = [PilImage.fromarray(cv2.cvtColor(im, cv2.COLOR_BGR2RGB)) for im in small]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=1000 // fps, loop=0)


def reliable_params(path, detector_params=None, matcher_params=None):
    """
    Write the package's edge.yaml with reliable image QoS (and node overrides) to `path`.

    The bag is played reliably; reliable subscribers keep every frame between processes.
    """
    import yaml

    params = yaml.safe_load(config_file('edge.yaml').read_text())
    for node in params.values():
        node['ros__parameters']['image_reliability'] = 'reliable'
    params['/**/alike_detector']['ros__parameters'].update(detector_params or {})
    params['/**/alike_matcher']['ros__parameters'].update(matcher_params or {})
    Path(path).write_text(yaml.safe_dump(params))
    return path


def run(out, images=None, rate=10.0, processes='one', params=None, matcher_params=None,
        camera_info=None):
    """
    Run the demo through `ros2 launch alike_ros edge.launch.py bag:=...`; return the summary.

    processes 'one' is the composed launch (component container), 'two' a process per node.
    The bag carries CameraInfo from `camera_info` (a calibration YAML; default: the TUM
    camera's for the shared TUM frames, none for other images).
    """
    out = Path(out)
    if camera_info is None and images is None:
        camera_info = config_file('tum_freiburg2_camera_info.yaml')
    images = Path(images or tum_dir())
    if out.exists():
        shutil.rmtree(out)
    (out / 'overlay').mkdir(parents=True)
    bag = out / 'tum_bag'
    n = make_bag(images, bag, rate=rate,
                 camera_info=load_camera_info(camera_info) if camera_info else None)
    params_file = reliable_params(out / 'params.yaml', params, matcher_params)
    with open(out / 'launch.log', 'w') as log:
        result, code = launch_replay(bag, n, composed=processes == 'one',
                                     params_file=params_file, log=log)
    if code != 0:
        raise RuntimeError(f'ros2 launch exited {code}: see {out / "launch.log"}')
    for stamp, image in sorted(result.overlays.items()):
        cv2.imwrite(str(out / 'overlay' / f'{stamp}.png'), image)
    if result.overlays:
        write_gif([im for _, im in sorted(result.overlays.items())], out / 'matches.gif')
    summary = summarise(result, n)
    (out / 'summary.json').write_text(json.dumps(summary, indent=1))
    plot(summary, out / 'summary.png')
    return summary
