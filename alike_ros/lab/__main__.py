# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""`python -m alike_ros.lab COMMAND`: the lab's commands (sweeps, studies, results tables)."""

import sys

from alike_ros.lab import commands
from alike_ros.tools.cli import build_parser, main

if __name__ == '__main__':
    sys.exit(main(parser=build_parser(commands, 'python -m alike_ros.lab',
                                      'measurements of alike_ros itself')))
