# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Wrong continuations and track lengths of the matcher's tracks on synthetic sequences."""

import json


def add_arguments(p):
    """Arguments of track-study."""
    p.add_argument('--sequences', type=int, default=5)
    p.add_argument('-m', '--matcher', nargs='*', metavar='NAME=VALUE',
                   help='matcher parameters (geometry=essential is the default here)')


def run(args):
    """Run the defaults, inlier links only and a budget of 300; print the rows as JSON."""
    from alike_ros.config import MatcherConfig
    from alike_ros.lab import track_study
    from alike_ros.tools.commands.motion_eval import parse_params
    config = MatcherConfig(geometry='essential').with_changes(**parse_params(args.matcher))
    rows = {'defaults': config,
            'inlier links only': config.with_changes(track_window=0.0, track_max_missed=0),
            'track_budget 300': config.with_changes(track_budget=300)}
    print(json.dumps({k: track_study.synthetic(c, args.sequences) for k, c in rows.items()},
                     indent=1))
