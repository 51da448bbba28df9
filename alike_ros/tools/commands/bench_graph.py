# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""A 30 Hz bag through detector + matcher: fps, drops, latency; matcher at 2000 x 2000."""

from pathlib import Path


def add_arguments(parser):
    """Add the arguments of this command."""
    from alike_ros.extractors import MODEL_NAMES
    parser.add_argument('--model', choices=MODEL_NAMES,
                        help="default: the params file's, else alike-t")
    parser.add_argument('--rate', type=float, default=30.0)
    parser.add_argument('--loops', type=int, default=15, help='the 20 TUM frames, this many times')
    parser.add_argument('--processes', default='one',
                        help="comma-separated, run one after the other on the same bag: 'one' "
                             "(the nodes in the benchmark's process), 'two' (a process per node), "
                             "'graph' (alike_graph), 'container' (component_container)")
    parser.add_argument('--threads', type=int, help="ONNX Runtime threads (default: the "
                                                    "params file's, else 2)")
    parser.add_argument('--params-file', help='the nodes\' parameters, as edge.launch.py '
                                              'params_file:= (e.g. config/fast.yaml)')
    parser.add_argument('--json', help='also write the figures as JSON')


def run(args):
    """Run `alike-ros bench-graph`: print each mode's figures (and write them as JSON)."""
    import json

    from alike_ros.tools import bench
    rows = bench.graph(args.model, args.rate, args.loops, args.processes.split(','),
                       args.threads, args.params_file)
    for row in rows:
        for key, value in row.items():
            print(f'{key:28s} {value:.1f}' if isinstance(value, float) else f'{key:28s} {value}')
        print()
    if args.json:
        Path(args.json).write_text(json.dumps(rows if len(rows) > 1 else rows[0], indent=1))
