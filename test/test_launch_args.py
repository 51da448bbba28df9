# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""edge.launch.py's arguments: given-only overrides, choices, the Fast DDS profile default."""

from launch import LaunchContext
from launch.actions import DeclareLaunchArgument
from launch.launch_description_sources import get_launch_description_from_python_launch_file
from launch.substitutions import LaunchConfiguration
import pytest
import yaml

from alike_ros.nodes.launch_args import GivenParameters, node_parameters
from alike_ros.extractors import MODEL_NAMES
from launch_helpers import launch_file


def given(model, provider):
    context = LaunchContext()
    context.launch_configurations.update(model=model, provider=provider)
    path = GivenParameters('alike_detector', {'model': LaunchConfiguration('model'),
                                              'provider': LaunchConfiguration('provider')}
                           ).perform(context)
    with open(path) as f:
        return yaml.safe_load(f)['/**']['ros__parameters']


def test_model_and_provider_override_the_params_file_only_when_given():
    assert given('', '') == {}
    assert given('alike-n', '') == {'model': 'alike-n'}
    assert given('', 'tidl') == {'provider': 'tidl'}


@pytest.mark.parametrize('key, namespace, applies', [
    ('/**', '', True), ('/**/alike_matcher', '', True), ('/**/alike_matcher', 'robot1', True),
    ('/**/alike_matcher', 'a/b', True), ('alike_matcher', '', True),
    ('/alike_matcher', '', True), ('/alike_matcher', 'robot1', False),
    ('robot1/alike_matcher', 'robot1', True), ('/*/alike_matcher', 'robot1', True),
    ('/*/alike_matcher', '', False), ('/**/alike_detector', '', False)])
def test_params_file_keys_resolve_as_rcl_does(key, namespace, applies):
    got = node_parameters({key: {'ros__parameters': {'geometry': 'essential'}}},
                          'alike_matcher', namespace)
    assert got == ({'geometry': 'essential'} if applies else {})


@pytest.mark.parametrize('namespace', ['', 'robot1'])
def test_params_file_reaches_both_nodes_composed_or_not(tmp_path, namespace):
    """What launch_ros really sends: each component's load request, and each node's params."""
    from launch_ros.actions import ComposableNodeContainer, Node
    from launch_ros.actions.load_composable_nodes import get_composable_node_load_request
    from launch_ros.utilities import evaluate_parameters, to_parameters_list
    from rclpy.parameter import Parameter
    params = tmp_path / 'params.yaml'
    params.write_text(yaml.safe_dump({
        '/**/alike_detector': {'ros__parameters': {'top_k': 321}},
        '/**/alike_matcher': {'ros__parameters': {'geometry': 'essential'}}}))
    context = LaunchContext()
    desc = get_launch_description_from_python_launch_file(launch_file())
    for a in desc.get_launch_arguments():
        context.launch_configurations[a.name] = ''.join(
            s.perform(context) for s in a.default_value)
    context.launch_configurations.update(params_file=str(params), namespace=namespace,
                                         model='alike-n')
    composed, processes = {}, {}
    graph = next(e for e in desc.entities if type(e).__name__ == 'GroupAction')
    for action in graph.get_sub_entities():
        if isinstance(action, ComposableNodeContainer):
            for node in action._ComposableNodeContainer__composable_node_descriptions:
                request = get_composable_node_load_request(node, context)
                composed[request.node_name] = {
                    p.name: Parameter.from_parameter_msg(p).value for p in request.parameters}
        elif isinstance(action, Node):
            name = action._Node__node_name
            processes[name] = {p.name: p.value for p in to_parameters_list(
                context, name, namespace, evaluate_parameters(
                    context, action._Node__parameters))}
    for got in (composed, processes):
        assert got['alike_detector']['top_k'] == 321
        assert got['alike_detector']['model'] == 'alike-n'
        assert got['alike_matcher']['geometry'] == 'essential'


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
