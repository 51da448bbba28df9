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
edge.launch.py under launch_testing (on a ROS install; skipped where launch_testing is absent).

The same graph is exercised without launch by test_integration.py.
"""

import os
import time
import unittest

import pytest

launch_testing = pytest.importorskip('launch_testing')
launch_ros = pytest.importorskip('launch_ros')

from alike_ros_msgs.msg import KeypointArray  # noqa: E402
from launch import LaunchDescription  # noqa: E402
from launch.actions import IncludeLaunchDescription  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402
import launch_testing.actions  # noqa: E402
import numpy as np  # noqa: E402
import rclpy  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402

LAUNCH = os.path.join(os.path.dirname(__file__), '..', 'launch', 'edge.launch.py')


@pytest.mark.launch_test
def generate_test_description():
    return LaunchDescription([
        IncludeLaunchDescription(PythonLaunchDescriptionSource(LAUNCH),
                                 launch_arguments={'image_topic': '/launch_test/image'}.items()),
        launch_testing.actions.ReadyToTest(),
    ])


class TestEdgeLaunch(unittest.TestCase):

    def test_keypoints_come_out(self):
        rclpy.init()
        node = rclpy.create_node('launch_probe')
        try:
            got = []
            node.create_subscription(KeypointArray, '/keypoints', got.append, 10)
            pub = node.create_publisher(Image, '/launch_test/image', 10)
            image = Image(height=480, width=640, encoding='rgb8', step=1920)
            image.data = np.random.default_rng(0).integers(
                0, 256, 480 * 640 * 3, dtype=np.uint8).tobytes()
            deadline = time.monotonic() + 60
            while not got and time.monotonic() < deadline:
                pub.publish(image)
                rclpy.spin_once(node, timeout_sec=0.5)
            self.assertTrue(got, 'no KeypointArray from the launched graph')
            self.assertEqual((got[0].height, got[0].width), (480, 640))
        finally:
            node.destroy_node()
            rclpy.shutdown()
