# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""`alike-ros bench` with the seed paper's dense split beside ours, interleaved (the ratio)."""


def add_arguments(parser):
    """Add the arguments of `alike-ros bench`."""
    from alike_ros.tools.commands import bench
    bench.add_arguments(parser)


def run(args):
    """Run the benchmark with the dense split of each model that has one."""
    from alike_ros.lab.dense import beside
    from alike_ros.tools.commands import bench
    return bench.run(args, extra=beside)
