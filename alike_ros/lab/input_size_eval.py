# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The network input size on cameras that are not 4:3: stretched to 480 x 640, or aspect kept.

The TUM frames cropped about their centre to 2:1 (640 x 320) and 3.3:1 (640 x 194), and the
3.3:1 crop scaled up to 1241 x 376 (a driving camera's size), each with its camera (the
principal point moved by the crop, K scaled with the image): our keypoints at each input
size through the default essential fit, frame gaps 1, 3, 5; and the detector's time per
frame.
"""

import cv2
import numpy as np

from alike_ros.geometry.camera import Camera
from alike_ros.tools import motion_eval, motion_metrics as metrics

SETS = (('2:1 (640x320)', 320, 1.0), ('3.3:1 (640x194)', 194, 1.0),
        ('3.3:1 at 1241x376', 194, 1241 / 640))
SIZES = (('stretched to 480x640 (before)', {'input_height': 480, 'input_width': 640}),
         ('aspect kept, a VGA frame\'s pixels (default)', {}),
         ('aspect kept, max side 640 (last release)',
          {'input_max_pixels': 0, 'input_max_side': 640}),
         ('aspect kept, max side 480', {'input_max_pixels': 0, 'input_max_side': 480}))
# How much of a camera's own resolution the network needs, on real pixels: the crops at their
# native 640 width, at 0.81 of it (what a VGA frame's pixels give a 1241 x 376 camera) and at
# 0.52 (a longer side of 640 on that camera).
RESOLUTIONS = (('native', {'input_max_pixels': 0}),
               ('0.81 of native', {'input_max_pixels': 0, 'input_max_side': 519}),
               ('0.52 of native', {'input_max_pixels': 0, 'input_max_side': 333}))


def crop_set(frames, camera, height, scale):
    """Return (frames, Camera) of the frames cropped to `height` rows about the centre, scaled."""
    top = (camera.height - height) // 2
    k = camera.K.copy()
    k[1, 2] -= top
    k[:2] *= scale
    size = (round(camera.width * scale), round(height * scale))
    out = [cv2.resize(f[top:top + height], size, interpolation=cv2.INTER_LINEAR)
           if scale != 1 else np.ascontiguousarray(f[top:top + height]) for f in frames]
    return out, Camera(k, camera.D, camera.model, size[0], size[1])


def run(images=None, camera_info=None, ground_truth=None, gaps=(1, 3, 5)):
    """Return rows: set, size, network input, detector ms (median), motion per gap."""
    from alike_ros.detector import Detector
    frames, stamps, camera, _, ground_truth, _ = motion_eval.inputs(images, None, camera_info,
                                                                    ground_truth)
    poses = metrics.poses_at(metrics.read_tum(ground_truth), stamps)
    mcfg, _ = motion_eval.configs({'geometry': 'essential'}, {})
    rows = []
    runs = [(name, height, scale, SIZES) for name, height, scale in SETS]
    runs += [(f'{name}, resolution', height, 1.0, RESOLUTIONS)
             for name, height, scale in SETS if scale == 1.0]
    runs += [('4:3 (640x480), resolution', 480, 1.0, RESOLUTIONS)]
    for set_name, height, scale, sizes in runs:
        cropped, cam = crop_set(frames, camera, height, scale)
        for size_name, params in sizes:
            _, dcfg = motion_eval.configs({}, params)
            detector = Detector(dcfg)
            detector.detect(cropped[0])  # opens the session of this size
            found = [detector.detect(f) for f in cropped]
            feats = [(f.keypoints, f.descriptors) for f in found]
            motion = motion_eval.offline('ours', feats, cam, poses, mcfg.estimator(),
                                         mcfg.threshold(), gaps, mcfg.confidence,
                                         mcfg.max_iters)
            net = dcfg.network_size(*cropped[0].shape[:2]) or cropped[0].shape[:2]
            rows.append({'set': set_name, 'size': size_name, 'network_input': list(net),
                         'detect_ms': float(np.median([f.timings['total'] for f in found])),
                         'keypoints': float(np.mean([len(f) for f in found])),
                         'motion': {g: {k: v for k, v in s.items() if k != 'pose_deg'}
                                    for g, s in motion.items()}})
    return rows


def markdown(rows):
    """One line per set and size."""
    lines = ['| set | input | network | keypoints | detect ms | AUC@5/10/20 gap 1 | gap 3 | '
             'gap 5 | rot / dir median gap 3 (deg) |', '|---|---|---|---:|---:|---|---|---|---|']
    for r in rows:
        m = r['motion']
        auc = [' / '.join(f'{a:.2f}' for a in m[g]['auc'].values()) for g in sorted(m)]
        g3 = m[sorted(m)[1]] if len(m) > 1 else m[sorted(m)[0]]
        lines.append(f"| {r['set']} | {r['size']} | {r['network_input'][0]}x"
                     f"{r['network_input'][1]} | {r['keypoints']:.0f} | {r['detect_ms']:.1f} | "
                     f"{' | '.join(auc)} | {g3['rotation_deg']['median']:.2f} / "
                     f"{g3['translation_deg']['median']:.1f} |")
    return '\n'.join(lines)
