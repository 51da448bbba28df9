# Copyright 2026 alike_ros maintainers
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

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
