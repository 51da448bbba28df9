# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Compile TIDL artifacts (needs TI tidl_tools)."""

import sys

from alike_ros.tools.commands import _args
from alike_ros.tools.image_files import image_files


def add_arguments(parser):
    """Add the arguments of this command."""
    _args.calibrated_model(parser, 'tidl')
    parser.add_argument('--artifacts', required=True, help='output folder')
    parser.add_argument('--bits', type=int, choices=(8, 16), default=8)
    parser.add_argument('--iterations', type=int, default=5)
    parser.add_argument('--tidl-tools', help='tidl_tools folder (default: $TIDL_TOOLS_PATH)')


def run(args):
    """Run `alike-ros tidl-compile`."""
    from alike_ros.tools import tidl
    from alike_ros.tools.quantize import calibration_blobs
    args.model = _args.onnx_model(args, 'tidl')
    options = tidl.compile_options(args.artifacts, args.bits, args.frames, args.iterations,
                                   args.tidl_tools)
    files = image_files([args.calib])[:args.frames]
    try:
        tidl.compile_model(args.model, args.artifacts, calibration_blobs(args.model, files),
                           options)
    except tidl.TidlUnavailable as err:
        print(f'alike-ros tidl-compile: {err}', file=sys.stderr)
        return 3
    print(f'TIDL artifacts in {args.artifacts}')
