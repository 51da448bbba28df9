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
