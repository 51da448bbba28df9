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
