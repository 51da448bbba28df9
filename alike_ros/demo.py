# Copyright 2026 alike_ros maintainers
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

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

from alike_ros.bag import make_bag
from alike_ros.models import tum_dir
from alike_ros.replay import launch_replay


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
            'reason': mt.reason if mt else 'no output (frame dropped)',
        })
    lat = result.latencies_ms()
    valid = [f for f in frames if f['valid']]
    ratios = [f['inliers'] / f['matches'] for f in valid if f['matches']]
    stats = result.detector_stats
    return {
        'frames_in': bag_frames,
        'keypoint_frames_out': result.keypoint_msgs,
        'fps_out': result.fps_out(),
        'latency_ms': {'p50': float(np.percentile(lat, 50)), 'p95': float(np.percentile(lat, 95)),
                       'max': float(lat.max())} if len(lat) else {},
        'detector': {k: stats[k] for k in sorted(stats)},
        'valid_homographies': len(valid),
        'median_inlier_ratio': float(np.median(ratios)) if ratios else None,
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


def reliable_params(path, detector_params=None):
    """
    Write the package's edge.yaml with reliable image QoS (and detector overrides) to `path`.

    The bag is played reliably; reliable subscribers keep every frame between processes.
    """
    import yaml

    from alike_ros.models import config_file
    params = yaml.safe_load(config_file('edge.yaml').read_text())
    for node in params.values():
        node['ros__parameters']['image_reliability'] = 'reliable'
    params['/**/alike_detector']['ros__parameters'].update(detector_params or {})
    Path(path).write_text(yaml.safe_dump(params))
    return path


def run(out, images=None, rate=10.0, processes='one', params=None):
    """
    Run the demo through `ros2 launch alike_ros edge.launch.py bag:=...`; return the summary.

    processes 'one' is the composed launch (component container), 'two' a process per node.
    """
    out = Path(out)
    images = Path(images or tum_dir())
    if out.exists():
        shutil.rmtree(out)
    (out / 'overlay').mkdir(parents=True)
    bag = out / 'tum_bag'
    n = make_bag(images, bag, rate=rate)
    params_file = reliable_params(out / 'params.yaml', params)
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
