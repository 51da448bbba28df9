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

"""ROS parameters declared from the typed configs, and live changes validated by them."""

from dataclasses import fields

from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult


class ConfigError(ValueError):
    """Start-up parameters are invalid; the message says what to fix."""


def declare_config(node, config_cls):
    """Declare one parameter per config field (default, doc, read-only unless live)."""
    values = {}
    for f in fields(config_cls):
        desc = ParameterDescriptor(description=f.metadata.get('doc', ''),
                                   read_only=not f.metadata.get('live', False))
        values[f.name] = node.declare_parameter(f.name, f.default, desc).value
    config = config_cls(**values)
    problems = config.check()
    if problems:
        raise ConfigError(f'{node.get_name()}: invalid parameters: ' + '; '.join(problems))
    return config


def live_update_callback(get_config, apply):
    """
    Make an on-set-parameters callback that validates changes against the config.

    `apply(new_config)` is called only when every change is valid; otherwise the change is
    rejected with the reason (shown by `ros2 param set`).
    """
    def callback(params):
        config = get_config()
        known = {f.name for f in fields(config)}
        changes = {p.name: p.value for p in params if p.name in known}
        try:
            new = config.with_changes(**changes)
        except ValueError as err:
            return SetParametersResult(successful=False, reason=str(err))
        apply(new)
        return SetParametersResult(successful=True)
    return callback
