# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Int8 QDQ model with ONNX Runtime static quantisation."""

from alike_ros.tools.commands import _args
from alike_ros.tools.image_files import image_files


def add_arguments(parser):
    """Add the arguments of this command."""
    _args.calibrated_model(parser, 'exact')
    parser.add_argument('--out', help='default: <model>_int8.onnx beside the model')
    parser.add_argument('--per-tensor', action='store_true', help='per-tensor weight scales')


def run(args):
    """Run `alike-ros quantize`."""
    from alike_ros.paths import int8_path
    from alike_ros.tools.quantize import quantize
    args.model = _args.onnx_model(args, 'exact')
    out = args.out or int8_path(args.model)
    files = image_files([args.calib])[:args.frames]
    print(quantize(args.model, files, out, not args.per_tensor))
