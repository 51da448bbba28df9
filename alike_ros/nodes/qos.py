# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The QoS of sensor streams (images, camera_info), in one place for every node."""

from rclpy.qos import qos_profile_sensor_data, QoSProfile, ReliabilityPolicy


def sensor_qos(reliability='best_effort', depth=1):
    """
    Sensor-data QoS (volatile, keep last `depth`) with the reliability asked for.

    A best-effort reader also takes a reliable publisher's messages.
    """
    return QoSProfile(depth=depth, history=qos_profile_sensor_data.history,
                      durability=qos_profile_sensor_data.durability,
                      reliability=ReliabilityPolicy.RELIABLE if reliability == 'reliable'
                      else ReliabilityPolicy.BEST_EFFORT)


# Reliable image streams (bags, tests, drivers that ask for it) keep up to 30 frames (1 s at
# 30 Hz), so an executor busy for up to that many frame periods loses none. Measured
# (docs/frame-loss.md): the matcher's callback on a hard pair blocked a container's executor
# for 150-250 ms, a loaded 2-core machine up to 0.5 s. The detector's worker then takes the
# frames in order from a queue of the same depth (a reliable input is one whose every frame is
# wanted), dropping the oldest only when that many wait. Best-effort camera streams keep the
# newest frame only, in the subscription and for the worker: a slow detector drops stale
# frames, it never queues them.
RELIABLE_IMAGE_DEPTH = 30


def image_qos(reliability='best_effort'):
    """Return an image input's QoS: keep last 1 best effort, RELIABLE_IMAGE_DEPTH reliable."""
    return sensor_qos(reliability, RELIABLE_IMAGE_DEPTH if reliability == 'reliable' else 1)
