# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

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
