# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The sweep behind the geometry defaults: estimator x threshold (x confidence, iterations).

Each setting is scored in one run on real frames with ground truth (the TUM frames, our
keypoints, essential fits at frame gaps 1, 3 and 5: AUC@5/10/20, median errors) and on the
synthetic scenes (lab/synthetic.py: known motion, pixel noise 0.5 and 1 px, 25 % and 50 %
outliers, the TUM camera and a 1241 x 376 driving-like camera at 1 m baselines).
"""

import json
from pathlib import Path

import numpy as np

from alike_ros.geometry.camera import Camera
from alike_ros.runtime import cpu_summary
from alike_ros.lab import synthetic
from alike_ros.tools import motion_eval, motion_metrics as metrics

# A wide, short camera moving about 1 m per frame (a KITTI-like driving set-up).
DRIVING_CAMERA = Camera.from_fields([718.9, 0, 607.2, 0, 718.9, 185.2, 0, 0, 1], [], 'plumb_bob',
                                    1241, 376)
SYNTHETIC = (('tum', None, 0.2, 3.0), ('driving', DRIVING_CAMERA, 1.0, 2.0))
METHODS = ('usac_default', 'usac_magsac', 'poselib')
THRESHOLDS = (0.5, 1.0, 1.5, 2.0, 3.0)
# Confidence and iterations, tried at the best threshold of each estimator.
EFFORT = ((0.9999, 2000), (0.999, 10000), (0.99, 500))


def synthetic_rows(method, threshold, confidence, max_iters, trials=20):
    """Median rotation / translation-direction errors over the synthetic conditions."""
    out = {}
    for label, camera, baseline, rotation in SYNTHETIC:
        for noise in (0.5, 1.0):
            for outliers in (0.25, 0.5):
                r = synthetic.evaluate('essential', method, noise, outliers, trials,
                                       threshold=threshold, confidence=confidence,
                                       max_iters=max_iters, camera=camera, baseline=baseline,
                                       rotation_deg=rotation)
                out[f'{label} {noise:g}px {outliers:.0%}'] = {
                    k: r.get(k) for k in ('rotation_deg', 'translation_deg', 'recall', 'ms',
                                          'failures')}
    return out


def sweep(frames, stamps, camera, ground_truth, settings, detector_config, gaps=(1, 3, 5),
          trials=20):
    """Score every (method, threshold, confidence, max_iters) setting; return rows."""
    poses = metrics.poses_at(metrics.read_tum(ground_truth), stamps)
    feats = motion_eval.features('ours', frames, detector_config)
    rows = []
    for method, threshold, confidence, max_iters in settings:
        tum = motion_eval.offline('ours', feats, camera, poses, method, threshold, gaps,
                                  confidence, max_iters)
        syn = synthetic_rows(method, threshold, confidence, max_iters, trials)
        rows.append({'method': method, 'threshold': threshold, 'confidence': confidence,
                     'max_iters': max_iters, 'tum': tum, 'synthetic': syn})
    return rows


def markdown(rows):
    """One line per setting: TUM AUC@5/10/20 and medians per gap, synthetic medians."""
    lines = ['| method | px | conf | iters | TUM gap 1: AUC@5/10/20, rot / dir median (deg) '
             '| gap 3 | gap 5 | synthetic: rot / dir median over conditions (deg) | fit ms |',
             '|---|---:|---:|---:|---|---|---|---|---:|']
    for r in rows:
        cells = []
        for gap in sorted(r['tum']):
            s = r['tum'][gap]
            auc = '/'.join(f'{a:.2f}' for a in s['auc'].values())
            cells.append(f"{auc}, {s['rotation_deg']['median']:.2f} / "
                         f"{s['translation_deg']['median']:.1f}")
        syn = r['synthetic'].values()
        rot = np.median([s['rotation_deg'] for s in syn if s['rotation_deg'] is not None])
        tr = np.median([s['translation_deg'] for s in syn if s['translation_deg'] is not None])
        ms = np.median([s['match_fit_ms'] for s in r['tum'].values()])
        lines.append(f"| {r['method']} | {r['threshold']:g} | {r['confidence']:g} | "
                     f"{r['max_iters']} | {' | '.join(cells)} | {rot:.3f} / {tr:.2f} | "
                     f'{ms:.1f} |')
    return '\n'.join(lines)


def settings(methods=METHODS, thresholds=THRESHOLDS, effort=EFFORT, at=1.5):
    """Every (method, threshold, 0.999, 2000), then each method's efforts at `at` px."""
    rows = [(m, t, 0.999, 2000) for m in methods for t in thresholds]
    return rows + [(m, at, c, i) for m in methods for c, i in effort]


def run(out, images=None, camera_info=None, ground_truth=None, detector_params=None,
        trials=20):
    """Run the sweep on the frames (default: the shared TUM frames); write sweep.json."""
    frames, stamps, camera, _, ground_truth, _ = motion_eval.inputs(images, None, camera_info,
                                                                    ground_truth)
    _, dcfg = motion_eval.configs({}, detector_params or {})
    rows = sweep(frames, stamps, camera, ground_truth, settings(), dcfg, trials=trials)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / 'sweep.json').write_text(json.dumps(motion_eval.json_ready(
        {'cpu': cpu_summary(), 'rows': rows}), indent=1))
    return rows
