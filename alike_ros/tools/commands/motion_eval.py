# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The graph's /motion against ground truth (ros2 launch), with SIFT / ORB and KLT beside.

`alike-ros motion-eval` (defaults: the shared TUM frames, their camera and ground truth):
writes motion.json and motion.png under --out and prints the summary. The studies behind
the defaults (sweep, input sizes, costs) are the lab's: `python -m alike_ros.lab --help`.
"""

import json
from pathlib import Path

from alike_ros.tools.commands import _args


def _value(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {'true': True, 'false': False}.get(text.lower(), text)


def parse_params(items):
    """Return {NAME: value} of NAME=VALUE strings (numbers and booleans parsed)."""
    out = {}
    for item in items or ():
        key, sep, value = item.partition('=')
        if not sep:
            raise ValueError(f"parameters are NAME=VALUE, got '{item}'")
        out[key] = _value(value)
    return out


def _estimators(text):
    out = []
    for item in text.split(','):
        method, _, threshold = item.partition(':')
        out.append((method, float(threshold or 1.0)))
    return out


def add_input_arguments(p):
    """Add the frames, camera, ground truth and detector arguments (also the lab's)."""
    p.add_argument('--images', help='image folder, file names = TUM timestamps (default: the '
                                    'shared TUM frames)')
    p.add_argument('--camera-info', help="calibration YAML (default: the bag's CameraInfo, "
                                         'else the TUM Freiburg 2 camera)')
    p.add_argument('--ground-truth', help='TUM-format trajectory (default: the shared '
                                          'tum_groundtruth.txt)')
    p.add_argument('-d', '--detector', nargs='*', metavar='NAME=VALUE',
                   help='detector parameters (graph and offline keypoints)')


def add_arguments(p):
    """Arguments of motion-eval."""
    add_input_arguments(p)
    p.add_argument('--bag', help='a rosbag2 with the images (and CameraInfo) instead; any '
                                 'topic names: the graph gets the frames in a bag of its own')
    p.add_argument('--image-topic', help="the bag's image topic, Image or CompressedImage "
                                         "(default: its only one, or /camera/image_raw)")
    p.add_argument('--rate', type=_args.positive_float, default=1.0,
                   help='playback speed of the graph run (below 1 where a loaded machine '
                        'would drop frames; the motions do not depend on it)')
    p.add_argument('--out', default='out/motion')
    p.add_argument('-m', '--matcher', nargs='*', metavar='NAME=VALUE',
                   help='matcher parameters (geometry=essential is the default here)')
    p.add_argument('--estimators', type=_estimators,
                   help='offline fits, METHOD:PX,... (default: the matcher parameters\' own)')
    p.add_argument('--no-launch', action='store_true', help='offline part only')


def run(args):
    """Run the evaluation and print the summary."""
    from alike_ros.tools import motion_eval
    out = Path(args.out)
    matcher, detector = parse_params(args.matcher), parse_params(args.detector)
    report = motion_eval.run(out, args.images, args.bag, args.camera_info, args.ground_truth,
                             matcher, detector, estimators=args.estimators,
                             launch=not args.no_launch, bag_rate=args.rate,
                             image_topic=args.image_topic)
    print(motion_eval.markdown(report))
    print(f"\n{report['cpu']}\nreport: {out / 'motion.json'}\nplot: {out / 'motion.png'}")
    summary = {k: report[k] for k in ('graph',) if k in report}
    if summary:
        print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != 'pairs_detail'}
                          for k, v in summary.items()}, indent=1))
    return 0
