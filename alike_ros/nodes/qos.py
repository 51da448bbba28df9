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

"""The QoS of sensor streams (images, camera_info), in one place for every node."""

from rclpy.qos import qos_profile_sensor_data, QoSProfile, ReliabilityPolicy


def sensor_qos(reliability='best_effort', depth=1):
    """
    Sensor-data QoS (volatile, keep last `depth`) with the reliability asked for.

    Images keep depth 1: a slow consumer drops stale frames, it never queues them. A
    best-effort reader also takes a reliable publisher's messages.
    """
    return QoSProfile(depth=depth, history=qos_profile_sensor_data.history,
                      durability=qos_profile_sensor_data.durability,
                      reliability=ReliabilityPolicy.RELIABLE if reliability == 'reliable'
                      else ReliabilityPolicy.BEST_EFFORT)
