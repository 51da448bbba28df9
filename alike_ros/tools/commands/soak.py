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

"""Minutes of high-rate input: RSS, frames, drops, errors."""

from pathlib import Path


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('--minutes', type=float, default=5.0)
    parser.add_argument('--rate', type=float, default=60.0)
    parser.add_argument('--warmup', type=float, default=20.0, help='seconds before RSS start')
    parser.add_argument('--json')


def run(args):
    """Run `alike-ros soak`."""
    import json

    from alike_ros.tools import soak
    result = soak.run(args.minutes, args.rate, args.warmup)
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 1 if result['exceptions'] else 0
