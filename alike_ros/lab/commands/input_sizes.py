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

"""Stretched vs aspect-kept input on the TUM frames cropped to 2:1 and 3.3:1."""

import json
from pathlib import Path


def add_arguments(p):
    """Arguments of input-sizes."""
    from alike_ros.tools.commands.motion_eval import add_input_arguments
    add_input_arguments(p)
    p.add_argument('--out', default='out/input_sizes')


def run(args):
    """Run the study; print its table and write input_sizes.json."""
    from alike_ros.lab import input_size_eval
    from alike_ros.runtime import cpu_summary
    from alike_ros.tools import motion_eval
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = input_size_eval.run(args.images, args.camera_info, args.ground_truth)
    print(input_size_eval.markdown(rows))
    (out / 'input_sizes.json').write_text(json.dumps(motion_eval.json_ready(
        {'cpu': cpu_summary(), 'rows': rows}), indent=1))
