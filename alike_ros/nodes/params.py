# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The error a node raises when its parameters are invalid."""


class ConfigError(ValueError):
    """Parameters are invalid; the message says what to fix."""
