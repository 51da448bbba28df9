# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Launch-file helpers of edge.launch.py (imported by launch files only; needs `launch`)."""

import importlib.util
import os
import re
import shutil
import tempfile

from launch.some_substitutions_type import SomeSubstitutionsType
from launch.substitution import Substitution
from launch.utilities import normalize_to_list_of_substitutions, perform_substitutions
import yaml


def _write_params(prefix, params):
    # '/**' is the one key both rcl (a node process) and launch_ros (a composable node's
    # load request) apply: launch_ros matches only '/**' and the exact name, not '/**/name'.
    fd, path = tempfile.mkstemp(prefix=prefix, suffix='.yaml')
    with os.fdopen(fd, 'w') as f:
        yaml.safe_dump({'/**': {'ros__parameters': params}}, f)
    return path


def _key_matches(key, full_name):
    """Tell whether a params-file key ('/**', '/**/name', 'ns/*/name', ...) names a node."""
    pattern = '/'.join('.*' if t == '**' else '[^/]*' if t == '*' else re.escape(t)
                       for t in key.strip('/').split('/'))
    return re.fullmatch(pattern.replace('.*/', '(.*/)?'), full_name.strip('/')) is not None


def node_parameters(params, node_name, namespace=''):
    """Return the parameters a params-file dict gives one node, in the file's order."""
    full_name = f"{namespace.strip('/')}/{node_name}".strip('/')
    merged = {}
    for key, value in (params or {}).items():
        if _key_matches(key, full_name) and isinstance(value, dict):
            merged.update(value.get('ros__parameters') or {})
    return merged


class NodeParameters(Substitution):
    """
    One node's part of a params file, as a file both node processes and components take.

    ROS 2 params files may key nodes by wildcards (`/**/alike_detector`); rcl applies them, but
    launch_ros drops them for composable nodes (it matches only `/**` and the exact name), so
    a composed graph silently ran on defaults. This resolves the keys for the node's name and
    namespace here, the way rcl does, and writes the result under `/**`.
    """

    def __init__(self, params_file: SomeSubstitutionsType, node_name: str,
                 namespace: SomeSubstitutionsType = ''):
        super().__init__()
        self.params_file = normalize_to_list_of_substitutions(params_file)
        self.node_name = node_name
        self.namespace = normalize_to_list_of_substitutions(namespace)

    def describe(self):
        return f'NodeParameters({self.node_name})'

    def perform(self, context):
        path = perform_substitutions(context, self.params_file)
        with open(path) as f:
            params = yaml.safe_load(f)
        return _write_params(f'{self.node_name}_params_', node_parameters(
            params, self.node_name, perform_substitutions(context, self.namespace)))


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
        return _write_params(f'{self.node_name}_args_', given)


# Parameter presets: config/<name>.yaml, chosen with edge.launch.py's preset:=<name>
# (fast: docs/frontier.md).
PRESETS = ('fast',)


class ParamsFile(Substitution):
    """
    The params file of the launch: `params_file` where given, else the `preset`'s.

    preset:=fast selects config/fast.yaml; no preset, config/edge.yaml.
    """

    def __init__(self, params_file: SomeSubstitutionsType, preset: SomeSubstitutionsType,
                 config_dir: str):
        super().__init__()
        self.params_file = normalize_to_list_of_substitutions(params_file)
        self.preset = normalize_to_list_of_substitutions(preset)
        self.config_dir = config_dir

    def describe(self):
        return 'ParamsFile(params_file or the preset)'

    def perform(self, context):
        given = perform_substitutions(context, self.params_file)
        if given:
            return given
        preset = perform_substitutions(context, self.preset) or 'edge'
        return os.path.join(self.config_dir, f'{preset}.yaml')


class DepthParameters(Substitution):
    """
    The matcher's odometry parameters a `depth_topic` launch argument implies.

    Empty: none (the params file's, odometry off by default). A topic: use_depth true, and
    geometry essential where the params file's matcher has homography (the default), whose
    inliers cannot carry tracks through a 3D scene.
    """

    def __init__(self, params_file: SomeSubstitutionsType, depth_topic: SomeSubstitutionsType,
                 namespace: SomeSubstitutionsType = '', node_name: str = 'alike_matcher'):
        super().__init__()
        self.params_file = normalize_to_list_of_substitutions(params_file)
        self.depth_topic = normalize_to_list_of_substitutions(depth_topic)
        self.namespace = normalize_to_list_of_substitutions(namespace)
        self.node_name = node_name

    def describe(self):
        return f'DepthParameters({self.node_name})'

    def perform(self, context):
        params = {}
        if perform_substitutions(context, self.depth_topic):
            with open(perform_substitutions(context, self.params_file)) as f:
                mine = node_parameters(yaml.safe_load(f), self.node_name,
                                       perform_substitutions(context, self.namespace))
            params['use_depth'] = True
            if mine.get('geometry', 'homography') == 'homography':
                params['geometry'] = 'essential'
        return _write_params(f'{self.node_name}_depth_', params)


# The depth topic of make_bag's RGB-D bags, which the launch's player remaps to depth_topic.
BAG_DEPTH_TOPIC = '/camera/depth/image_raw'


def depth_remap(depth_topic: SomeSubstitutionsType, default: str):
    """Return a substitution: `depth_topic`, or `default` where it is empty."""
    from launch.substitutions import PythonExpression
    return PythonExpression(["'", depth_topic, f"' or '{default}'"])


def bag_player_command(bag: SomeSubstitutionsType, topic: SomeSubstitutionsType,
                       delay: SomeSubstitutionsType, wait_subscribers: SomeSubstitutionsType,
                       rate: SomeSubstitutionsType, info_topic: SomeSubstitutionsType,
                       depth_topic: SomeSubstitutionsType = ''):
    """
    Return the command that plays a bag's /camera/image_raw on `topic` at `rate` x real time.

    The bag's /camera/camera_info, if it has one, goes to `info_topic`, its
    /camera/depth/image_raw to `depth_topic` (where given).

    `ros2 bag play` where rosbag2 is installed; this package's player (the same rosbag2
    files, read with rosbags) where it is not. The package's player first waits until the
    topic has `wait_subscribers` subscribers (the graph is up), then `delay` seconds.
    """
    remap = [['/camera/image_raw:=', topic], ['/camera/camera_info:=', info_topic],
             [BAG_DEPTH_TOPIC + ':=', depth_remap(depth_topic, BAG_DEPTH_TOPIC)]]
    if shutil.which('ros2') and importlib.util.find_spec('ros2bag') is not None:
        # --wait-for-all-acked: readers get the last message before the player exits.
        return ['ros2', 'bag', 'play', bag, '--delay', delay, '--rate', rate,
                '--wait-for-all-acked', '5000', '--remap', *remap]
    from ament_index_python.packages import get_package_prefix
    player = os.path.join(get_package_prefix('alike_ros'), 'lib', 'alike_ros', 'alike-ros')
    return [player, 'play-bag', bag, '--delay', delay, '--rate-scale', rate,
            '--wait-subscribers', wait_subscribers, '--remap', *remap]
