# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The estimator x threshold sweep behind the geometry defaults (TUM + synthetic scenes)."""

from pathlib import Path


def add_arguments(p):
    """Arguments of sweep."""
    from alike_ros.tools.commands.motion_eval import add_input_arguments
    add_input_arguments(p)
    p.add_argument('--out', default='out/sweep')
    p.add_argument('--trials', type=int, default=20, help='synthetic scenes per condition')


def run(args):
    """Run the sweep; print its table."""
    from alike_ros.lab import motion_sweep
    from alike_ros.runtime import cpu_summary
    from alike_ros.tools.commands.motion_eval import parse_params
    out = Path(args.out)
    rows = motion_sweep.run(out, args.images, args.camera_info, args.ground_truth,
                            parse_params(args.detector), args.trials)
    print(motion_sweep.markdown(rows))
    print(f"\n{cpu_summary()}; rows: {out / 'sweep.json'}")
