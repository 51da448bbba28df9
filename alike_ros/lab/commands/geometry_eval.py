# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Essential / fundamental fits on synthetic scenes with known motion: errors and inlier recall."""


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('--trials', type=int, default=20, help='random scenes per setting')
    parser.add_argument('--methods', type=lambda s: s.split(','),
                        default=['ransac', 'usac_default', 'poselib'])


def run(args):
    """Run `python -m alike_ros.lab geometry-eval`."""
    from alike_ros.lab import synthetic
    print('500 points 2-8 m ahead of the TUM camera (plumb_bob), 3 deg rotation, 0.2 m '
          f'baseline, threshold 3 px, median of {args.trials} scenes\n')
    print(synthetic.markdown(trials=args.trials, methods=args.methods))
