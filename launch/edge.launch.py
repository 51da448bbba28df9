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
ALIKE detector + matcher on the robot.

  ros2 launch alike_ros edge.launch.py image_topic:=/camera/image_raw
  ros2 launch alike_ros edge.launch.py bag:=/data/run1 use_rviz:=true composed:=false
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import (DeclareLaunchArgument, ExecuteProcess, OpaqueFunction,
                            SetEnvironmentVariable)
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def _nodes(context):
    arg = {name: LaunchConfiguration(name).perform(context) for name in (
        'model', 'provider', 'image_topic', 'params_file', 'composed', 'use_rviz', 'bag')}
    share = get_package_share_directory('alike_ros')
    detector_params = [arg['params_file'], {'model': arg['model'], 'provider': arg['provider']}]
    remap = [('image', arg['image_topic']),
             ('image/compressed', arg['image_topic'] + '/compressed')]
    actions = []
    if arg['composed'].lower() in ('true', '1'):
        # Both nodes in one process: no serialisation of the keypoints between them.
        # (No `name=`: a node name remap would rename both nodes of the process.)
        actions.append(Node(package='alike_ros', executable='alike_graph',
                            parameters=detector_params, remappings=remap, output='screen'))
    else:
        actions.append(Node(package='alike_ros', executable='detector_node',
                            name='alike_detector', parameters=detector_params,
                            remappings=remap, output='screen'))
        actions.append(Node(package='alike_ros', executable='matcher_node', name='alike_matcher',
                            parameters=[arg['params_file']], remappings=remap,
                            output='screen'))
    if arg['use_rviz'].lower() in ('true', '1'):
        actions.append(Node(package='rviz2', executable='rviz2', name='rviz2',
                            arguments=['-d', os.path.join(share, 'config', 'alike.rviz')]))
    if arg['bag']:
        actions.append(ExecuteProcess(
            cmd=['ros2', 'bag', 'play', arg['bag'], '--remap',
                 f"/camera/image_raw:={arg['image_topic']}"], output='screen'))
    return actions


def generate_launch_description():
    share = get_package_share_directory('alike_ros')
    return LaunchDescription([
        DeclareLaunchArgument('model', default_value='alike-t',
                              description='alike-t, alike-s, alike-n or alike-l'),
        DeclareLaunchArgument('provider', default_value='cpu',
                              description='cpu, tidl, cuda, tensorrt or auto'),
        DeclareLaunchArgument('image_topic', default_value='/camera/image_raw'),
        DeclareLaunchArgument('params_file',
                              default_value=os.path.join(share, 'config', 'edge.yaml')),
        DeclareLaunchArgument('composed', default_value='true',
                              description='detector and matcher in one process'),
        DeclareLaunchArgument('use_rviz', default_value='false'),
        DeclareLaunchArgument('bag', default_value='',
                              description='rosbag2 to play (its /camera/image_raw topic)'),
        DeclareLaunchArgument(
            'fastdds_profile',
            default_value=os.path.join(share, 'config', 'fastdds_large_frames.xml'),
            description='Fast DDS profile sized for camera frames (empty: Fast DDS defaults)'),
        SetEnvironmentVariable('FASTRTPS_DEFAULT_PROFILES_FILE',
                               LaunchConfiguration('fastdds_profile')),
        OpaqueFunction(function=_nodes),
    ])
