# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The commands of `alike-ros`, one module each.

A command module's docstring's first line is its help; it defines `add_arguments(parser)` and
`run(args)` (returning an exit status or None). The command's name is the module's, with
dashes for underscores. Heavy imports stay inside run().
"""

import importlib
import pkgutil
import sys


def command_modules(package=None):
    """Return {command name: module} of a commands package (default: this one), by name."""
    package = package or sys.modules[__name__]
    name, path = package.__name__, package.__path__
    return {info.name.replace('_', '-'): importlib.import_module(f'{name}.{info.name}')
            for info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name)
            if not info.name.startswith('_')}
