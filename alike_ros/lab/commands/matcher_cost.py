# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The matcher node's cost per frame for several checkouts, interleaved (LABEL=PATH ...)."""


def add_arguments(p):
    """Arguments of matcher-cost (those of lab/matcher_cost.py)."""
    from alike_ros.lab.matcher_cost import add_arguments as own
    own(p)


def run(args):
    """Run the comparison."""
    from alike_ros.lab.matcher_cost import compare
    compare(args)
