# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The component container and the lifecycle under launch_testing, with a bag's frames flowing.

A component container runs; edge.launch.py loads the detector and matcher into it
(container:=NAME); the TUM bag plays in a loop. The tests load, list and unload components
through composition_interfaces' services and ros2cli's `component` verbs, check that bad
requests fail with a reason while the container keeps running, drive the detector through its
lifecycle, and swap its model (deactivate, cleanup, set, configure, activate) while frames
flow: nothing is published while it is not active, and the counters still add up.

The tests share one launch but not their leftovers: each unloads what it loaded and brings the
detector back to active with alike-t, even when it fails, so any order (or one test alone)
gives the same results.
"""

import subprocess
import tempfile
import time
import unittest

from composition_interfaces.srv import ListNodes, LoadNode, UnloadNode
from launch import LaunchDescription
from launch.actions import ExecuteProcess, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
import launch_testing
import launch_testing.actions
import launch_testing.asserts
from launch_ros.actions import Node
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState, GetState
import pytest
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
from rcl_interfaces.srv import GetParameters, SetParameters

from conftest import require_shared, TUM
from launch_helpers import launch_file, Probe, reliable_params, tum_bag
from launch_helpers import TestProcessesExitCleanly  # noqa: F401 (the post-shutdown test)

require_shared()

WORK = tempfile.mkdtemp(prefix='alike_components_test_')
CONTAINER = '/alike_container'


@pytest.mark.launch_test
def generate_test_description():
    bag = f'{WORK}/tum'
    tum_bag(TUM, bag)
    # A container of "another launch file", and edge.launch.py loading into it by name
    # (LoadComposableNodes); test_launch.py covers the container edge.launch.py starts itself.
    container = Node(package='alike_ros', executable='component_container',
                     name=CONTAINER.strip('/'), output='screen')
    launch = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(launch_file()),
        launch_arguments={'container': CONTAINER,
                          'params_file': reliable_params(f'{WORK}/params.yaml')}.items())
    # The bag, looped, so frames flow through every test however long they take.
    player = ExecuteProcess(cmd=['alike-ros', 'play-bag', bag, '--loop',
                                 '--wait-subscribers', '2', '--delay', '3'],
                            name='bag_player', output='screen')
    return LaunchDescription([container, launch, player, launch_testing.actions.ReadyToTest()])


def param(name, value):
    """Return an rcl_interfaces Parameter of a str, int or bool."""
    v = ParameterValue()
    if isinstance(value, bool):
        v.type, v.bool_value = ParameterType.PARAMETER_BOOL, value
    elif isinstance(value, int):
        v.type, v.integer_value = ParameterType.PARAMETER_INTEGER, value
    else:
        v.type, v.string_value = ParameterType.PARAMETER_STRING, value
    return Parameter(name=name, value=v)


def ros2(*args, until=None, tries=3):
    """
    Run a ros2cli command without the daemon (a fresh one starts with an empty graph).

    A daemon-less command discovers the graph for --spin-time first; on a loaded machine that
    can miss a node: then it did nothing, or listed nothing. Try again while it says a node
    was not found or while `until(output)` is false.
    """
    for _ in range(tries):
        out = subprocess.run(['ros2', *args, '--no-daemon', '--spin-time', '3'],
                             capture_output=True, text=True, timeout=60)
        missed = out.returncode != 0 and any(w in out.stdout + out.stderr for w in (
            'not found', 'Unable to find', 'No service'))
        if not missed and (until is None or until(out.stdout)):
            return out
    return out


def listed(out):
    """Return whether a `ros2 component list` saw the container."""
    return CONTAINER in out


class TestComponentsAndLifecycle(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.probe = Probe()
        assert cls.probe.wait(lambda: len(cls.probe.keypoints) > 3, 90), 'no keypoints'

    @classmethod
    def tearDownClass(cls):
        cls.probe.close()

    def list_nodes(self):
        r = self.probe.call(ListNodes, f'{CONTAINER}/_container/list_nodes', ListNodes.Request())
        return dict(zip(r.unique_ids, r.full_node_names))

    def launched_nodes(self):
        """Return the container's nodes that edge.launch.py loaded (ids 1 and 2)."""
        return {k: v for k, v in self.list_nodes().items() if k in (1, 2)}

    def unload(self, unique_id):
        """Unload a component; return the response."""
        return self.probe.call(UnloadNode, f'{CONTAINER}/_container/unload_node',
                               UnloadNode.Request(unique_id=unique_id))

    def load(self, plugin, **fields):
        """Load a component; a loaded one is unloaded when the test ends, however it ends."""
        request = LoadNode.Request(package_name='alike_ros', plugin_name=plugin, **fields)
        r = self.probe.call(LoadNode, f'{CONTAINER}/_container/load_node', request)
        if r.success:
            self.addCleanup(self.unload_if_loaded, r.unique_id)
        return r

    def unload_if_loaded(self, unique_id):
        if unique_id in self.list_nodes():
            self.unload(unique_id)

    def test_1_launch_loaded_both_nodes(self):
        self.assertEqual(self.launched_nodes(), {1: '/alike_detector', 2: '/alike_matcher'})
        out = ros2('component', 'list', until=listed)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(f'{CONTAINER}\n  1  /alike_detector\n  2  /alike_matcher', out.stdout)

    def test_2_bad_requests_fail_with_a_reason(self):
        cases = [
            (dict(plugin='alike_ros::Nope'), "has no component 'alike_ros::Nope'"),
            (dict(plugin='alike_ros::DetectorNode', package_name='no_such_pkg'),
             "package 'no_such_pkg' registers no Python components"),
            (dict(plugin='alike_ros::DetectorNode', node_name='bad_detector',
                  parameters=[param('top_k', -5)]), "top_k must be 0 (the family's), -1"),
            (dict(plugin='alike_ros::DetectorNode', node_name='bad_model',
                  parameters=[param('model_file', '/nonexistent.onnx')]),
             '/nonexistent.onnx does not exist'),
            (dict(plugin='alike_ros::MatcherNode', node_name='bad_extra',
                  extra_arguments=[param('use_intra_process_comms', 'yes')]),
             "'use_intra_process_comms' must be a boolean"),
            (dict(plugin='alike_ros::MatcherNode', node_name='bad_level', log_level=7),
             'log_level must be 0 (unset) or one of'),
        ]
        for fields, words in cases:
            fields = dict(fields)
            plugin = fields.pop('plugin')
            request = LoadNode.Request(package_name=fields.pop('package_name', 'alike_ros'),
                                       plugin_name=plugin, **fields)
            r = self.probe.call(LoadNode, f'{CONTAINER}/_container/load_node', request)
            if r.success:  # a wrongly accepted request must not stay behind
                self.addCleanup(self.unload_if_loaded, r.unique_id)
            self.assertFalse(r.success, fields)
            self.assertIn(words, r.error_message)
            self.assertEqual((r.full_node_name, r.unique_id), ('', 0))
        r = self.unload(99)
        self.assertFalse(r.success)
        self.assertEqual(r.error_message, 'No node found with unique_id: 99')
        # The container and its nodes are unharmed: frames still come out.
        self.assertEqual(self.launched_nodes(), {1: '/alike_detector', 2: '/alike_matcher'})
        n = len(self.probe.keypoints)
        self.assertTrue(self.probe.wait(lambda: len(self.probe.keypoints) > n + 3, 20))

    def test_3_load_and_unload_through_the_services(self):
        r = self.load('alike_ros::MatcherNode', node_name='extra_matcher',
                      node_namespace='/extra', remap_rules=['keypoints:=/keypoints'],
                      parameters=[param('min_inliers', 12)], log_level=10)
        self.assertTrue(r.success, r.error_message)
        self.assertEqual(r.full_node_name, '/extra/extra_matcher')
        got = self.probe.call(GetParameters, '/extra/extra_matcher/get_parameters',
                              GetParameters.Request(names=['min_inliers']))
        self.assertEqual(got.values[0].integer_value, 12)
        # The remap made it match the launched detector's keypoints.
        self.assertTrue(self.probe.wait(lambda: '/extra/matches' in dict(
            self.probe.node.get_topic_names_and_types()), 10))
        self.assertTrue(self.probe.wait(
            lambda: self.probe.node.count_publishers('/extra/matches') == 1, 10))
        self.assertEqual(self.list_nodes()[r.unique_id], '/extra/extra_matcher')
        u = self.unload(r.unique_id)
        self.assertTrue(u.success, u.error_message)
        self.assertNotIn(r.unique_id, self.list_nodes())
        self.assertTrue(self.probe.wait(
            lambda: self.probe.node.count_publishers('/extra/matches') == 0, 10))

    def test_3b_autostart_false_waits_for_the_lifecycle(self):
        r = self.load('alike_ros::DetectorNode', node_name='managed_detector',
                      parameters=[param('autostart', False)],
                      remap_rules=['image:=/no_images_here'])
        self.assertTrue(r.success, r.error_message)
        node = '/managed_detector'
        self.assertEqual(self.state(node), 'unconfigured')
        self.assertTrue(self.transition(Transition.TRANSITION_CONFIGURE, node))
        self.assertEqual(self.state(node), 'inactive')
        self.assertTrue(self.transition(Transition.TRANSITION_ACTIVATE, node))
        self.assertEqual(self.state(node), 'active')
        self.assertTrue(self.probe.wait(
            lambda: self.probe.node.count_subscribers('/no_images_here') == 1, 10))
        u = self.unload(r.unique_id)
        self.assertTrue(u.success, u.error_message)
        self.assertTrue(self.probe.wait(
            lambda: self.probe.node.count_subscribers('/no_images_here') == 0, 10))

    def test_4_load_and_unload_with_ros2_component(self):
        out = ros2('component', 'load', CONTAINER, 'alike_ros', 'alike_ros::MatcherNode',
                   '-n', 'second_matcher')
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, rf"Loaded component (\d+) into '{CONTAINER}' container "
                                     r"node as '/second_matcher'")
        uid = int(out.stdout.split()[2])
        self.addCleanup(self.unload_if_loaded, uid)
        self.assertIn(f'  {uid}  /second_matcher', ros2(
            'component', 'list', until=lambda o: '/second_matcher' in o).stdout)
        out = ros2('component', 'unload', CONTAINER, str(uid))
        self.assertEqual(out.returncode, 0, out.stderr)
        out = ros2('component', 'list', until=lambda o: listed(o) and '/second_matcher' not in o)
        self.assertIn(CONTAINER, out.stdout)
        self.assertNotIn('/second_matcher', out.stdout)
        out = ros2('component', 'load', CONTAINER, 'alike_ros', 'alike_ros::Nope')
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('Failed to load component', out.stderr)

    def test_4b_param_describe_shows_ranges_choices_and_liveness(self):
        """The typed configs' metadata reaches ros2 param describe."""
        out = ros2('param', 'describe', '/alike_detector', 'top_k', 'model', 'scores_th',
                   until=lambda o: 'top_k' in o)
        self.assertEqual(out.returncode, 0, out.stderr)
        top_k, model, scores_th = out.stdout.split('Parameter name: ')[1:]
        self.assertIn('Min value: -1', top_k)
        self.assertIn("0 (the family's), -1 (threshold mode) or positive", top_k)
        self.assertNotIn('takes effect at configure', top_k)  # live
        self.assertIn('one of: alike-t, alike-s', model)
        self.assertIn('edgepoint2-S48', model)
        self.assertIn('takes effect at configure', model)
        self.assertIn('Min value: -1.0', scores_th)
        self.assertIn('Max value: 1.0', scores_th)
        out = ros2('param', 'describe', '/alike_matcher', 'method', 'reproj_threshold',
                   until=lambda o: 'method' in o)
        self.assertIn('one of: coarse_loftr, mnn', out.stdout)

    def state(self, node='/alike_detector'):
        return self.probe.call(GetState, f'{node}/get_state', GetState.Request()
                               ).current_state.label

    def transition(self, transition_id, node='/alike_detector'):
        return self.probe.call(ChangeState, f'{node}/change_state', ChangeState.Request(
            transition=Transition(id=transition_id))).success

    def set_param(self, name, value, node='/alike_detector'):
        return self.probe.call(SetParameters, f'{node}/set_parameters', SetParameters.Request(
            parameters=[param(name, value)])).results[0]

    def restore_detector(self):
        """Bring the launched detector back to active with its launch settings."""
        if self.state() == 'active' and self.get_param('model') == 'alike-t':
            return
        for transition, state in ((Transition.TRANSITION_DEACTIVATE, 'active'),
                                  (Transition.TRANSITION_CLEANUP, 'inactive')):
            if self.state() == state:
                self.transition(transition)
        self.set_param('model_file', '')
        self.set_param('model', 'alike-t')
        self.transition(Transition.TRANSITION_CONFIGURE)
        self.transition(Transition.TRANSITION_ACTIVATE)

    def get_param(self, name, node='/alike_detector'):
        return self.probe.call(GetParameters, f'{node}/get_parameters', GetParameters.Request(
            names=[name])).values[0].string_value

    def test_5_lifecycle_and_model_swap_with_frames_flowing(self):
        probe = self.probe
        self.addCleanup(self.restore_detector)
        self.assertEqual(self.state(), 'active')
        self.assertTrue(probe.wait(lambda: probe.counters().get('published', 0) > 5, 20))
        refused = self.set_param('model', 'alike-n')
        self.assertFalse(refused.successful)
        self.assertIn('only while the node is unconfigured', refused.reason)

        out = ros2('lifecycle', 'set', '/alike_detector', 'deactivate')
        self.assertEqual(out.returncode, 0, out.stderr)
        t_off = time.monotonic()
        self.assertEqual(self.state(), 'inactive')
        # Inactive: frames keep arriving and count as dropped; nothing is published.
        dropped = probe.counters()['dropped']
        self.assertTrue(probe.wait(lambda: probe.counters()['dropped'] > dropped + 5, 20))
        self.assertTrue(self.transition(Transition.TRANSITION_CLEANUP))
        self.assertEqual(self.state(), 'unconfigured')

        # A failing configure leaves the node unconfigured and the process alive.
        self.assertTrue(self.set_param('model_file', '/nonexistent.onnx').successful)
        self.assertFalse(self.transition(Transition.TRANSITION_CONFIGURE))
        self.assertEqual(self.state(), 'unconfigured')
        self.assertTrue(self.set_param('model_file', '').successful)

        self.assertTrue(self.set_param('model', 'alike-n').successful)
        self.assertTrue(self.transition(Transition.TRANSITION_CONFIGURE))
        self.assertEqual(self.state(), 'inactive')
        t_on = time.monotonic()
        out = ros2('lifecycle', 'set', '/alike_detector', 'activate')
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.state(), 'active')

        with probe.lock:
            between = [m for t, m in probe.keypoints if t_off < t < t_on]
        self.assertEqual(between, [], 'published while not active')
        self.assertTrue(probe.wait(lambda: any(
            m.model == 'alike-n' for _, m in probe.keypoints), 20), 'no alike-n keypoints')
        # Counters span the whole life of the node, through the swap.
        self.assertTrue(probe.wait(lambda: probe.counters().get('state') == 'active', 5))
        c = probe.counters()
        self.assertEqual(c['received'], c['published'] + c['dropped'] + c['rejected']
                         + c['in_flight'], c)
        self.assertGreater(c['dropped'], 5)
        out = ros2('lifecycle', 'get', '/alike_matcher')
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn('active', out.stdout)
