# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
launch_ros's lifecycle events drive the detector (autostart false), as a launch file would.

The detector starts unconfigured; the launch emits `configure`, and when the node reaches
`inactive` an OnStateTransition handler emits `activate`. Then keypoints come out of a bag.
"""

import tempfile
import unittest

from launch import LaunchDescription
from launch.actions import EmitEvent, ExecuteProcess, RegisterEventHandler
from launch.events import matches_action
import launch_testing
import launch_testing.actions
import launch_testing.asserts
from launch_ros.actions import LifecycleNode
from launch_ros.event_handlers import OnStateTransition
from launch_ros.events.lifecycle import ChangeState
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import GetState
import pytest

from conftest import require_shared, TUM
from launch_helpers import Probe, tum_bag
from launch_helpers import TestProcessesExitCleanly  # noqa: F401 (the post-shutdown test)

require_shared()

WORK = tempfile.mkdtemp(prefix='alike_lifecycle_test_')


@pytest.mark.launch_test
def generate_test_description():
    bag = f'{WORK}/tum'
    tum_bag(TUM, bag)
    detector = LifecycleNode(
        package='alike_ros', executable='detector_node', name='alike_detector', namespace='',
        parameters=[{'autostart': False, 'image_reliability': 'reliable'}],
        remappings=[('image', '/camera/image_raw')], output='screen')
    configure = EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(detector),
                                            transition_id=Transition.TRANSITION_CONFIGURE))
    activate_when_inactive = RegisterEventHandler(OnStateTransition(
        target_lifecycle_node=detector, goal_state='inactive',
        entities=[EmitEvent(event=ChangeState(
            lifecycle_node_matcher=matches_action(detector),
            transition_id=Transition.TRANSITION_ACTIVATE))]))
    player = ExecuteProcess(cmd=['alike-ros', 'play-bag', bag, '--loop', '--wait-subscribers',
                                 '2', '--delay', '3'], name='bag_player', output='screen')
    return LaunchDescription([activate_when_inactive, detector, configure, player,
                              launch_testing.actions.ReadyToTest()])


class TestLifecycleEvents(unittest.TestCase):

    def test_launch_events_configure_and_activate_the_detector(self):
        probe = Probe()
        try:
            def state():
                return probe.call(GetState, '/alike_detector/get_state', GetState.Request()
                                  ).current_state.label
            self.assertTrue(probe.wait(lambda: state() == 'active', 60), state())
            self.assertTrue(probe.wait(lambda: len(probe.keypoints) >= 3, 60),
                            'no keypoints from the activated detector')
        finally:
            probe.close()
