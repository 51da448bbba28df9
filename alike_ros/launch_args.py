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

"""Launch-file helpers of edge.launch.py (imported by launch files only; needs `launch`)."""

import importlib.util
import os
import shutil
import tempfile

from launch.some_substitutions_type import SomeSubstitutionsType
from launch.substitution import Substitution
from launch.utilities import normalize_to_list_of_substitutions, perform_substitutions
import yaml


class GivenParameters(Substitution):
    """
    A parameters file holding only the launch arguments that were given (non-empty).

    Listed after the params file, it overrides that file's value of a parameter only when the
    argument was set on the command line, so `model:=` and `provider:=` do not silently replace
    what the params file says.
    """

    def __init__(self, node_name: str, arguments: dict):
        super().__init__()
        self.node_name = node_name
        self.arguments = {k: normalize_to_list_of_substitutions(v)
                          for k, v in arguments.items()}

    def describe(self):
        return f'GivenParameters({self.node_name}, {sorted(self.arguments)})'

    def perform(self, context):
        values = {k: perform_substitutions(context, v) for k, v in self.arguments.items()}
        given = {k: v for k, v in values.items() if v != ''}
        fd, path = tempfile.mkstemp(prefix=f'{self.node_name}_args_', suffix='.yaml')
        with os.fdopen(fd, 'w') as f:
            yaml.safe_dump({f'/**/{self.node_name}': {'ros__parameters': given}}, f)
        return path


def bag_player_command(bag: SomeSubstitutionsType, topic: SomeSubstitutionsType,
                       delay: SomeSubstitutionsType, wait_subscribers: SomeSubstitutionsType,
                       rate: SomeSubstitutionsType, info_topic: SomeSubstitutionsType):
    """
    Return the command that plays a bag's /camera/image_raw on `topic` at `rate` x real time.

    The bag's /camera/camera_info, if it has one, goes to `info_topic`.

    `ros2 bag play` where rosbag2 is installed; this package's player (the same rosbag2
    files, read with rosbags) where it is not. The package's player first waits until the
    topic has `wait_subscribers` subscribers (the graph is up), then `delay` seconds.
    """
    remap = [['/camera/image_raw:=', topic], ['/camera/camera_info:=', info_topic]]
    if shutil.which('ros2') and importlib.util.find_spec('ros2bag') is not None:
        # --wait-for-all-acked: readers get the last message before the player exits.
        return ['ros2', 'bag', 'play', bag, '--delay', delay, '--rate', rate,
                '--wait-for-all-acked', '5000', '--remap', *remap]
    from ament_index_python.packages import get_package_prefix
    player = os.path.join(get_package_prefix('alike_ros'), 'lib', 'alike_ros', 'alike-ros')
    return [player, 'play-bag', bag, '--delay', delay, '--rate-scale', rate,
            '--wait-subscribers', wait_subscribers, '--remap', *remap]
