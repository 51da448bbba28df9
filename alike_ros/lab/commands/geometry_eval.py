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

"""Essential / fundamental fits on synthetic scenes with known motion: errors and inlier recall."""


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('--trials', type=int, default=20, help='random scenes per setting')
    parser.add_argument('--methods', type=lambda s: s.split(','),
                        default=['ransac', 'usac_default', 'poselib'])


def run(args):
    """Run `alike-ros geometry-eval`."""
    from alike_ros.lab import synthetic
    print('500 points 2-8 m ahead of the TUM camera (plumb_bob), 3 deg rotation, 0.2 m '
          f'baseline, threshold 3 px, median of {args.trials} scenes\n')
    print(synthetic.markdown(trials=args.trials, methods=args.methods))
