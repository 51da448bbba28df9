# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The matcher registry: every package in this folder that defines METHOD is a matching method.

A new method is one new package here; the matcher node (its method choices and parameters),
eval and bench read this registry.
"""

import sys

from alike_ros.registry import discover

METHODS = discover(sys.modules[__name__], 'METHOD')
METHOD_NAMES = tuple(METHODS)


def get_method(name):
    """Return the Method of a name, or raise ValueError listing the known ones."""
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(
            f"unknown method '{name}': choose one of {', '.join(METHOD_NAMES)}") from None
