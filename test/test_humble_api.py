# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Every rclpy / launch / launch_ros / launch_testing name the package uses exists in Humble.

Checked against Humble's own sources (../shared/ros2/humble, see humble_api.py): the nodes,
the tools, launch/edge.launch.py and these tests. A breach names the file, the line and the
API; fallbacks for what Humble lacks live in alike_ros/nodes/compat.py (test_humble_compat).
"""

from pathlib import Path
import textwrap

from alike_ros.paths import shared_dir
import humble_api
import pytest

ROOT = Path(__file__).resolve().parent.parent
HUMBLE = shared_dir() / 'ros2' / 'humble'

pytestmark = pytest.mark.skipif(
    not (HUMBLE / 'rclpy' / 'rclpy' / 'node.py').is_file(),
    reason=f"needs Humble's Python sources in {HUMBLE} (../shared/ros2/humble)")


@pytest.fixture(scope='module')
def walk():
    humble = humble_api.Humble(HUMBLE)
    walk = humble_api.Walk(humble, ROOT, humble_api.package_files(ROOT),
                           humble_api.newer_methods(humble))
    walk.run()
    return walk


def test_package_uses_only_humble_api(walk):
    breaches, fallbacks = humble_api.split(walk.breaches)
    assert not breaches, 'uses of APIs ROS 2 Humble does not have:\n' + '\n'.join(
        map(str, breaches))
    # The fallbacks are compat's own (the event classes' new home, get_publisher_count).
    assert {b.api for b in fallbacks} <= {'rclpy.event_handler', '.get_publisher_count'}, \
        '\n'.join(map(str, fallbacks))


def test_the_walk_covers_nodes_launch_and_tests(walk):
    checked = {(path, api) for path, _, api in walk.checked}
    for expected in [
            ('alike_ros/nodes/detector_node.py',
             'call rclpy.lifecycle.node.LifecycleNodeMixin.create_lifecycle_publisher'
             '(self, *args, **kwargs)'),
            ('alike_ros/nodes/managed.py', 'rclpy.lifecycle.TransitionCallbackReturn'),
            ('alike_ros/nodes/runner.py', 'call rclpy.init(*, args, context, domain_id, '
                                          'signal_handler_options)'),
            ('launch/edge.launch.py', 'launch_ros.actions.ComposableNodeContainer')]:
        assert expected in checked, expected
    assert any(path.startswith('test/') for path, _ in checked)
    assert any(api.startswith('call rclpy.node.Node.create_subscription') and
               path == 'alike_ros/nodes/detector_node.py' for path, api in checked)


SNIPPET = '''\
from launch.substitutions import EqualsSubstitution
from rclpy.clock_type import ClockType
from rclpy.lifecycle import LifecycleNode
from rclpy.node import Node
from rclpy.qos_event import PublisherEventCallbacks
import rclpy
try:
    from rclpy.event_handler import SubscriptionEventCallbacks
except ImportError:
    SubscriptionEventCallbacks = None


class Managed(LifecycleNode):

    def __init__(self):
        super().__init__('n', namespace='x', enable_communication_interface=True)
        self.pub = self.create_lifecycle_publisher(
            int, 't', 10, event_callbacks=PublisherEventCallbacks(matched=print))
        self.sub = self.create_subscription(int, 't', print, 10, event_callbacks=None)
        self.create_timer(1.0, print, autostart=False)
        self.create_publisher(int, 't', 10, None)
        self.get_logger().warning('fine')

    def count(self):
        return self.sub.get_publisher_count() + self.pub.get_subscription_count()

    def wait(self):
        return self.wait_for_node('/x', 1.0)

    def untyped(self, subs):
        return [s.get_publisher_count() for s in subs]


node = Node('m', enable_logger_service=True)
rclpy.init(args=None, domain_id=0)
rclpy.spin_once(node, timeout_sec=0.1)
'''


def test_a_jazzy_only_api_is_reported_with_file_and_line(tmp_path):
    path = tmp_path / 'alike_ros' / 'nodes' / 'snippet.py'
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(SNIPPET))
    walk = humble_api.Walk(humble_api.Humble(HUMBLE), tmp_path, [path],
                           newer={'get_publisher_count': 'rclpy/subscription.py'})
    breaches = walk.run()
    found = {(b.line, b.api): b for b in breaches}
    lines = SNIPPET.splitlines()

    def at(text):
        return next(i for i, line in enumerate(lines, 1) if text in line)

    expected = {
        (at('EqualsSubstitution'), 'launch.substitutions.EqualsSubstitution'),
        (at('clock_type'), 'rclpy.clock_type'),
        # Behind a fallback, but not in compat.py (where test_humble_compat runs them).
        (at('rclpy.event_handler'), 'rclpy.event_handler'),
        (at('matched=print'), 'rclpy.qos_event.PublisherEventCallbacks'),
        (at('autostart=False'), 'rclpy.node.Node.create_timer'),
        (at("10, None)"), 'rclpy.node.Node.create_publisher'),  # a 4th positional argument
        (at('self.sub.get_publisher_count'),
         'rclpy.subscription.Subscription.get_publisher_count'),
        (at('wait_for_node'), 'Managed(rclpy.lifecycle.node.LifecycleNode).wait_for_node'),
        (at('s.get_publisher_count() for'), '.get_publisher_count'),  # untyped: newer-only name
        (at('enable_logger_service'), 'rclpy.node.Node'),
    }
    assert set(found) == expected, '\n'.join(map(str, breaches))
    assert str(found[(2, 'rclpy.clock_type')]).startswith('alike_ros/nodes/snippet.py:2: ')
    matched = found[(at('matched=print'), 'rclpy.qos_event.PublisherEventCallbacks')]
    assert "keyword 'matched'" in matched.problem
    timer = found[(at('autostart'), 'rclpy.node.Node.create_timer')]
    assert "keyword 'autostart'" in timer.problem
    fallback = found[(at('rclpy.event_handler'), 'rclpy.event_handler')]
    assert fallback.fallback and 'move it there' in str(fallback)
    bad, fallbacks = humble_api.split(breaches)
    assert fallback in bad and not fallbacks


def test_the_build_files_follow_humbles_conventions():
    # colcon on Humble runs setuptools 59.6 (Ubuntu 22.04): underscore keys (it deprecates
    # `script-dir`), the programs in lib/<package> where `ros2 run` and launch_ros look.
    import configparser
    import xml.etree.ElementTree as ET
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / 'setup.cfg')
    assert cfg['develop']['script_dir'] == '$base/lib/alike_ros'
    assert cfg['install']['install_scripts'] == '$base/lib/alike_ros'
    assert not [k for s in ('develop', 'install') for k in cfg[s] if '-' in k]
    for package_xml in (ROOT / 'package.xml', ROOT / 'alike_ros_msgs' / 'package.xml'):
        assert ET.parse(package_xml).getroot().get('format') == '3', package_xml
