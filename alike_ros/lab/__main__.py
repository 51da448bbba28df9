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

"""`python -m alike_ros.lab COMMAND`: the lab's commands (sweeps, studies, results tables)."""

import sys

from alike_ros.lab import commands
from alike_ros.tools.cli import build_parser, main

if __name__ == '__main__':
    sys.exit(main(parser=build_parser(commands, 'python -m alike_ros.lab',
                                      'measurements of alike_ros itself')))
