# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The graph's metric odometry (a depth topic) against ground truth, with peers in the run."""

from pathlib import Path

from alike_ros.tools.commands import _args
from alike_ros.tools.commands.motion_eval import parse_params


def add_arguments(p):
    """Add the arguments of odometry-eval."""
    p.add_argument('--frames', help='RGB-D folder as TUM RGB-D ships a sequence (rgb.txt, '
                                    'depth.txt, groundtruth.txt; depth 5000 units a metre) or '
                                    'as 7-Scenes does (frame-*.color.png, frame-*.depth.png, '
                                    'frame-*.pose.txt, camera-intrinsics.txt) (default: the '
                                    'shared 7-Scenes frames)')
    p.add_argument('--bag', help='a rosbag2 with colour, depth (registered) and CameraInfo '
                                 'instead (give --ground-truth)')
    p.add_argument('--image-topic', help="the bag's colour topic (default: its only one, or "
                                         '/camera/image_raw)')
    p.add_argument('--depth-topic', help="the bag's depth topic (default: "
                                         '/camera/depth/image_raw)')
    p.add_argument('--ground-truth', help='TUM-format trajectory of the colour camera '
                                          '(camera-to-world), interpolated at the frames')
    p.add_argument('--depth-scale', type=_args.positive_float,
                   help="16-bit depth units a metre (default: a TUM folder's 5000, else 1000, "
                        'millimetres)')
    p.add_argument('--camera-info', help="calibration YAML or 3 x 3 K text file in place of "
                                         "the bag's CameraInfo or the folder's intrinsics (TUM: "
                                         '525, 525, 319.5, 239.5, its values for registered '
                                         'depth; 7-Scenes: camera-intrinsics.txt, else 585, '
                                         '585, 320, 240)')
    p.add_argument('--max-frames', type=int, help='only the first frames')
    p.add_argument('--step', type=_args.positive_int, default=1,
                   help='every step-th frame of those: a lower frame rate, more motion '
                        'between frames (the stamps stay the recorded ones)')
    p.add_argument('--rate', type=_args.positive_float, default=1.0,
                   help='playback speed of the graph run (below 1 where a loaded machine '
                        'would drop frames)')
    p.add_argument('--out', default='out/odometry')
    p.add_argument('-m', '--matcher', nargs='*', metavar='NAME=VALUE',
                   help='matcher and odometry parameters (geometry=essential, use_depth=true '
                        'are the defaults here)')
    p.add_argument('-d', '--detector', nargs='*', metavar='NAME=VALUE',
                   help='detector parameters (graph and offline keypoints)')
    p.add_argument('--peers', default='orb,sift,cv2_rgbd,cv2_depth',
                   help='peers in the same run, comma-separated (empty: none)')
    p.add_argument('--no-launch', action='store_true', help='offline part only')


def run(args):
    """Run the evaluation and print the summary."""
    from alike_ros.tools import odometry_eval
    peers = tuple(p for p in args.peers.split(',') if p)
    unknown = set(peers) - set(odometry_eval.PEERS)
    if unknown:
        raise ValueError(f"unknown peer(s) {', '.join(sorted(unknown))}: choose from "
                         f"{', '.join(odometry_eval.PEERS)}")
    report = odometry_eval.run(
        Path(args.out), args.frames, args.bag, args.ground_truth,
        matcher_params=parse_params(args.matcher), detector_params=parse_params(args.detector),
        peers=peers, launch=not args.no_launch, bag_rate=args.rate,
        image_topic=args.image_topic, depth_topic=args.depth_topic,
        depth_scale=args.depth_scale, max_frames=args.max_frames, step=args.step,
        camera_info=args.camera_info)
    print(odometry_eval.markdown(report))
    ours = 'graph' if 'graph' in report['methods'] else 'ours_offline'
    print(f'wrote {args.out}/odometry.json, odometry.png and TUM trajectories: evo_ape tum '
          f'{args.out}/groundtruth.txt {args.out}/{ours}.txt -a (ATE), evo_rpe tum ... '
          '--delta 1 --delta_unit f (RPE) reproduce them')
