# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""A rendered RGB-D room at a chosen motion a frame, as a TUM folder for odometry-eval."""

from alike_ros.tools.commands import _args


def add_arguments(p):
    """Arguments of room."""
    p.add_argument('--out', required=True, help='TUM RGB-D folder to create')
    p.add_argument('--frames', type=_args.positive_int, default=12)
    p.add_argument('--step-m', type=_args.positive_float, default=0.155,
                   help='metres a frame (default: TUM fr3 at 1.5 Hz)')
    p.add_argument('--step-deg', type=_args.positive_float, default=6.7,
                   help='degrees a frame')
    p.add_argument('--rate', type=_args.positive_float, default=1.5, help='Hz: the stamps')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--depth-model', choices=('gaussian', 'structured_light'),
                   default='gaussian',
                   help="depth noise: independent per pixel, or a structured-light camera's "
                        '(1/8 px disparity steps, noise correlated over a few pixels)')
    p.add_argument('--depth-offset-ms', type=_args.non_negative_float, default=0.0,
                   help='render each depth image up to this far off its colour image (a '
                        "uniform draw a frame, with its own stamp): a Kinect's unsynchronised "
                        'depth (TUM: up to 16 ms); 0 = synchronised; at most 20, the '
                        "window in which TUM's pairing takes a depth image")


def run(args):
    """Render the sequence and say how to score it."""
    from alike_ros.lab import room
    out = room.write_tum(args.out, args.frames, args.step_m, args.step_deg, args.rate,
                         args.seed, args.depth_model, args.depth_offset_ms)
    print(f'wrote {args.frames} frames to {out}: alike-ros odometry-eval --frames {out}')
