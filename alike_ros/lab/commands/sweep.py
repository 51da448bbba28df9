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
