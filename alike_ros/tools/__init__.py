# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The alike-ros command and what only it uses (benchmarks, evaluation, bags, calibration).

The core and nodes/ never import this package (test_layers.py).
"""
