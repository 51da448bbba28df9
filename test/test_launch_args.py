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

"""edge.launch.py's arguments: given-only overrides, choices, the Fast DDS profile default."""

from launch import LaunchContext
from launch.actions import DeclareLaunchArgument
from launch.launch_description_sources import get_launch_description_from_python_launch_file
from launch.substitutions import LaunchConfiguration
import pytest
import yaml

from alike_ros.launch_args import GivenParameters
from alike_ros.models import MODEL_NAMES
from launch_helpers import launch_file


def given(model, provider):
    context = LaunchContext()
    context.launch_configurations.update(model=model, provider=provider)
    path = GivenParameters('alike_detector', {'model': LaunchConfiguration('model'),
                                              'provider': LaunchConfiguration('provider')}
                           ).perform(context)
    with open(path) as f:
        return yaml.safe_load(f)['/**/alike_detector']['ros__parameters']


def test_model_and_provider_override_the_params_file_only_when_given():
    assert given('', '') == {}
    assert given('alike-n', '') == {'model': 'alike-n'}
    assert given('', 'tidl') == {'provider': 'tidl'}


def arguments():
    return {a.name: a for a in get_launch_description_from_python_launch_file(
        launch_file()).get_launch_arguments()}


def test_closed_sets_have_choices():
    args = arguments()
    assert set(args['model'].choices) == {''} | set(MODEL_NAMES)
    assert 'edgepoint2-S48' in args['model'].choices
    assert set(args['provider'].choices) == {'', 'cpu', 'tidl', 'cuda', 'tensorrt', 'auto'}
    for name in ('composed', 'use_rviz'):
        assert {'true', 'false'} <= set(args[name].choices)


@pytest.mark.parametrize('env, expected', [
    ({'FASTRTPS_DEFAULT_PROFILES_FILE': '/mine.xml'}, '/mine.xml'),
    ({}, 'fastdds_large_frames.xml')])
def test_fastdds_profile_keeps_the_users(monkeypatch, env, expected):
    monkeypatch.delenv('FASTRTPS_DEFAULT_PROFILES_FILE', raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    declared = arguments()['fastdds_profile']
    context = LaunchContext()
    declared.visit(context)  # sets the configuration to its default
    value = LaunchConfiguration('fastdds_profile').perform(context)
    assert value.endswith(expected)
    assert isinstance(declared, DeclareLaunchArgument)
