# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Detector + matcher in one fixed process (component_container loads them on demand)."""

from alike_ros.nodes.detector_node import DetectorNode
from alike_ros.nodes.matcher_node import MatcherNode
from alike_ros.nodes.runner import run_nodes


def main(args=None):
    return run_nodes([DetectorNode, MatcherNode], args, 'alike_graph')
