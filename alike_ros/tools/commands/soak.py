# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

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
