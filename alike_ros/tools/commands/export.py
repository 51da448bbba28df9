# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Published weights -> stage-1 ONNX (needs torch)."""

from alike_ros.tools.commands import _args


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('--model', type=_args.models, default=['alike-t'],
                        help='model name, comma list or "all"')
    parser.add_argument('--weights', help='.pth file (default: the shared weights)')
    parser.add_argument('--height', type=int, default=480)
    parser.add_argument('--width', type=int, default=640)
    parser.add_argument('--out', help='output folder (default: $ALIKE_ROS_MODELS or '
                                      '~/.cache/alike_ros/models)')
    parser.add_argument('--form', type=lambda s: s.split(','), default=['exact', 'tidl'],
                        help="comma list of 'exact' (ONNX Runtime), 'exact_conv' (its convolution "
                             "score projections), 'tidl' (2x/4x resizes), 'dense' (seed split)")
    parser.add_argument('--nms-in-graph', choices=('auto', 'on', 'off'), default='auto',
                        help="NMS max filter in the graph; auto: in the tidl form only")
    parser.add_argument('--force', action='store_true',
                        help='export even when the cache is current')


def run(args):
    """Run `alike-ros export`."""
    from alike_ros.config import nms_in_graph_flag
    from alike_ros.export.onnx_export import ensure_model, export_model
    make = export_model if args.force else ensure_model
    nms = nms_in_graph_flag(args.nms_in_graph)
    for name in args.model:
        for form in args.form:
            path = make(name, args.height, args.width, args.out, args.weights, form, nms)
            print(path)
