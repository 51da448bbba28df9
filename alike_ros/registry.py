# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Plug-in discovery: the packages of a folder that define a given attribute."""

import importlib
import pkgutil


def discover(package, attribute):
    """
    Return {plug-in name: object} of every subpackage of `package` defining `attribute`.

    `package` is the plug-in folder's module (its __path__ and __name__); the objects name
    themselves (their `name`), in folder order.
    """
    found = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.ispkg:
            module = importlib.import_module(f'{package.__name__}.{info.name}')
            plugin = getattr(module, attribute, None)
            if plugin is not None:
                found[plugin.name] = plugin
    return found
