# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
ALIKE detector + matcher on the robot.

  ros2 launch alike_ros edge.launch.py image_topic:=/camera/image_raw
  ros2 launch alike_ros edge.launch.py bag:=/data/run1 use_rviz:=true composed:=false
  ros2 launch alike_ros edge.launch.py container:=/my_container   # into a running container
  ros2 launch alike_ros edge.launch.py preset:=fast               # config/fast.yaml

composed:=true (default) starts a component container and loads both nodes into it;
container:=NAME loads them into an existing container instead; composed:=false runs each node
in its own process. Both nodes are managed (lifecycle) nodes that configure and activate
themselves (parameter `autostart`).
"""

import os

from ament_index_python.packages import get_package_share_directory, PackageNotFoundError
from launch import LaunchDescription
from launch.actions import (DeclareLaunchArgument, ExecuteProcess, GroupAction, LogInfo,
                            SetEnvironmentVariable)
from launch.conditions import IfCondition, UnlessCondition
from launch.substitutions import EnvironmentVariable, LaunchConfiguration, PythonExpression
from launch_ros.actions import (ComposableNodeContainer, LoadComposableNodes, Node,
                                PushRosNamespace)
from launch_ros.descriptions import ComposableNode

from alike_ros.config import PROVIDERS
from alike_ros.nodes.launch_args import (BAG_DEPTH_TOPIC, bag_player_command, DepthParameters,
                                         depth_remap, GivenParameters, NodeParameters,
                                         ParamsFile, PRESETS)
from alike_ros.extractors import MODEL_NAMES


BOOLEAN = ['true', 'false', 'True', 'False', '1', '0']


def _is_set(name):
    # PythonExpression rather than EqualsSubstitution: the latter is missing on Humble.
    return PythonExpression(["'", LaunchConfiguration(name), "' != ''"])


def _rviz_installed():
    try:
        get_package_share_directory('rviz2')
        return True
    except PackageNotFoundError:
        return False


def generate_launch_description():
    share = get_package_share_directory('alike_ros')
    arg = LaunchConfiguration
    params_file = ParamsFile(arg('params_file'), arg('preset'), os.path.join(share, 'config'))
    remappings = [('image', arg('image_topic')),
                  ('image/compressed', [arg('image_topic'), '/compressed']),
                  ('camera_info', arg('camera_info_topic'))]
    detector_params = [
        NodeParameters(params_file, 'alike_detector', arg('namespace')),
        GivenParameters('alike_detector', {'model': arg('model'), 'provider': arg('provider')})]
    matcher_params = [NodeParameters(params_file, 'alike_matcher', arg('namespace')),
                      DepthParameters(params_file, arg('depth_topic'), arg('namespace'))]
    # The matcher's depth input (odometry): depth_topic where given, else (a params file that
    # sets use_depth) the bag's and the camera drivers' usual /camera/depth/image_raw.
    matcher_remappings = remappings + [
        ('depth', depth_remap(arg('depth_topic'), BAG_DEPTH_TOPIC))]

    composable = [
        ComposableNode(package='alike_ros', plugin='alike_ros::DetectorNode',
                       name='alike_detector', parameters=detector_params,
                       remappings=remappings),
        ComposableNode(package='alike_ros', plugin='alike_ros::MatcherNode',
                       name='alike_matcher', parameters=matcher_params,
                       remappings=matcher_remappings),
    ]
    graph = GroupAction([
        PushRosNamespace(arg('namespace')),
        # A new container, unless container:=NAME names a running one.
        ComposableNodeContainer(
            name='alike_container', namespace='', package='alike_ros',
            executable='component_container', composable_node_descriptions=composable,
            output='screen',
            condition=IfCondition(PythonExpression([
                "'", arg('composed'), "'.lower() in ('true', '1') and '",
                arg('container'), "' == ''"]))),
        LoadComposableNodes(target_container=arg('container'),
                            composable_node_descriptions=composable,
                            condition=IfCondition(PythonExpression([
                                "'", arg('composed'), "'.lower() in ('true', '1') and '",
                                arg('container'), "' != ''"]))),
        Node(package='alike_ros', executable='detector_node', name='alike_detector',
             parameters=detector_params, remappings=remappings, output='screen',
             condition=UnlessCondition(arg('composed'))),
        Node(package='alike_ros', executable='matcher_node', name='alike_matcher',
             parameters=matcher_params, remappings=matcher_remappings, output='screen',
             condition=UnlessCondition(arg('composed'))),
    ])

    use_rviz = IfCondition(arg('use_rviz'))
    if _rviz_installed():
        rviz = Node(package='rviz2', executable='rviz2', name='rviz2', condition=use_rviz,
                    arguments=['-d', os.path.join(share, 'config', 'alike.rviz')])
    else:
        # Run the graph anyway: RViz is a viewer, not part of the pipeline.
        rviz = LogInfo(condition=use_rviz, msg='use_rviz:=true, but rviz2 is not installed '
                       '(apt install ros-$ROS_DISTRO-rviz2): running without RViz')

    player = ExecuteProcess(
        cmd=bag_player_command(arg('bag'), arg('image_topic'), arg('bag_delay'),
                               arg('bag_wait_subscribers'), arg('bag_rate'),
                               arg('camera_info_topic'), arg('depth_topic')),
        name='bag_player', output='screen', condition=IfCondition(_is_set('bag')))

    return LaunchDescription([
        DeclareLaunchArgument('namespace', default_value='',
                              description='namespace of the nodes (and their relative topics)'),
        DeclareLaunchArgument('model', default_value='', choices=[''] + list(MODEL_NAMES),
                              description="detector model; '' = the params file's"),
        DeclareLaunchArgument('provider', default_value='', choices=[''] + list(PROVIDERS),
                              description="ONNX Runtime provider; '' = the params file's"),
        DeclareLaunchArgument('image_topic', default_value='/camera/image_raw',
                              description='camera image topic (sensor_msgs/Image)'),
        DeclareLaunchArgument('camera_info_topic', default_value='/camera/camera_info',
                              description='camera calibration topic (sensor_msgs/CameraInfo), '
                                          "for the matcher's undistort and geometry:=essential"),
        DeclareLaunchArgument('depth_topic', default_value='',
                              description='depth image registered to the colour camera '
                                          '(sensor_msgs/Image 16UC1 or 32FC1): the matcher '
                                          'publishes metric odometry on odom and /tf '
                                          '(use_depth; geometry essential unless the params '
                                          "file's is fundamental); '' = off"),
        DeclareLaunchArgument('params_file', default_value='',
                              description='parameters of alike_detector and alike_matcher; '
                                          "'' = the preset's file (config/edge.yaml without "
                                          'a preset)'),
        DeclareLaunchArgument('preset', default_value='', choices=[''] + list(PRESETS),
                              description='parameter preset where params_file is not given: '
                                          'fast = config/fast.yaml (edgepoint2-S48 at half '
                                          "a VGA frame, about 1.4x ORB's detector cost; "
                                          'docs/frontier.md)'),
        DeclareLaunchArgument('composed', default_value='true', choices=BOOLEAN,
                              description='both nodes in one component container process'),
        DeclareLaunchArgument('container', default_value='',
                              description='load the nodes into this running container '
                                          '(with composed:=true) instead of starting one'),
        DeclareLaunchArgument('use_rviz', default_value='false', choices=BOOLEAN,
                              description='show the match overlay in RViz'),
        DeclareLaunchArgument('bag', default_value='',
                              description='rosbag2 to play (its /camera/image_raw, '
                                          '/camera/camera_info and /camera/depth/image_raw, '
                                          'remapped to image_topic, camera_info_topic and '
                                          'depth_topic)'),
        DeclareLaunchArgument('bag_rate', default_value='1.0',
                              description='bag playback speed (1.0: as recorded)'),
        DeclareLaunchArgument('bag_delay', default_value='1.0',
                              description='seconds before the bag starts playing'),
        DeclareLaunchArgument('bag_wait_subscribers', default_value='1',
                              description="without ros2bag: subscribers image_topic needs "
                                          'before the package player starts'),
        DeclareLaunchArgument(
            'fastdds_profile',
            default_value=EnvironmentVariable(
                'FASTRTPS_DEFAULT_PROFILES_FILE',
                default_value=os.path.join(share, 'config', 'fastdds_large_frames.xml')),
            description='Fast DDS profile sized for camera frames (default: '
                        "$FASTRTPS_DEFAULT_PROFILES_FILE if set, else the package's)"),
        SetEnvironmentVariable('FASTRTPS_DEFAULT_PROFILES_FILE', arg('fastdds_profile')),
        graph,
        rviz,
        player,
    ])
