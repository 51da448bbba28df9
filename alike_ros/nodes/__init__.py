# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""ROS adapters: thin nodes around the core (no algorithm lives here)."""
