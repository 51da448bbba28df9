# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
What a matcher with depth publishes: `odom`, odom -> base on /tf, the `~/reset` service.

nav_msgs/Odometry, tf2 and std_srvs/Trigger (docs/odometry.md) are imported only when a
matcher turns odometry on.
"""

from geometry_msgs.msg import TransformStamped
from rclpy.qos import QoSProfile

from alike_ros import geometry


class OdometryOutput:
    """
    What a matcher with depth publishes: odom (nav_msgs/Odometry), /tf, the reset service.

    Lost frames (rtabmap's convention, docs/odometry.md): by default the last pose and no
    motion, with covariance 9999, and its transform; with publish_null_when_lost a zero pose
    with covariance 9999 and no transform.
    """

    def __init__(self, node, odometry):
        from nav_msgs.msg import Odometry as OdometryMsg  # imported only with depth
        from std_srvs.srv import Trigger
        self.node, self.odometry, self.msg_type = node, odometry, OdometryMsg
        self.pub = node.create_lifecycle_publisher(OdometryMsg, 'odom', 10)
        self.tf_pub, self.broadcaster = None, None
        try:  # on a robot: tf2_ros's own broadcaster
            from tf2_ros import TransformBroadcaster
            self.broadcaster = TransformBroadcaster(node)
        except ImportError:  # tf2_ros is not on PyPI: publish what it would
            try:
                from tf2_msgs.msg import TFMessage
            except ImportError:  # odom still goes out; the transform cannot
                node.get_logger().warning('neither tf2_ros nor tf2_msgs is installed: no '
                                          '/tf (odom is published; install tf2_msgs)')
            else:
                self.tf_type = TFMessage
                self.tf_pub = node.create_lifecycle_publisher(TFMessage, '/tf',
                                                              QoSProfile(depth=100))
        self.service = node.create_service(Trigger, '~/reset', self._reset)
        self.lost_since_report = 0

    def destroy(self):
        """Destroy the publishers and the service."""
        self.node.destroy_lifecycle_publisher(self.pub)
        if self.tf_pub is not None:
            self.node.destroy_lifecycle_publisher(self.tf_pub)
        if getattr(self.broadcaster, 'pub_tf', None) is not None:  # tf2_ros's own publisher
            self.node.destroy_publisher(self.broadcaster.pub_tf)
        self.node.destroy_service(self.service)

    def _reset(self, request, response):
        self.odometry.reset()
        response.success = True
        response.message = 'odometry restarts at the origin with the next frame'
        self.node.get_logger().info(response.message)
        return response

    def publish(self, header, result, cfg):
        """Publish one frame's odometry (and transform), stamped with its image."""
        if result.lost:
            self.lost_since_report += 1
            self.node.get_logger().warning(f'odometry lost: {result.reason}',
                                           throttle_duration_sec=10.0)
        elif result.status == 'depth_only':
            self.node.get_logger().info('odometry: a frame its keypoints could not place was '
                                        'placed by its depth alone', throttle_duration_sec=10.0)
        null = result.lost and cfg.publish_null_when_lost
        self.pub.publish(odometry_msg(self.msg_type(), header, result, cfg, null))
        if cfg.publish_tf and not null:
            t = transform_msg(header, result.pose, cfg.odom_frame, cfg.base_frame)
            if self.broadcaster is not None:
                self.broadcaster.sendTransform(t)
            elif self.tf_pub is not None:
                self.tf_pub.publish(self.tf_type(transforms=[t]))


def transform_msg(header, pose, parent, child):
    """Return the TransformStamped of a 4 x 4 pose of `child` in `parent`, stamped as header."""
    msg = TransformStamped()
    msg.header.stamp = header.stamp
    msg.header.frame_id, msg.child_frame_id = parent, child
    t, q = msg.transform.translation, msg.transform.rotation
    t.x, t.y, t.z = (float(v) for v in pose[:3, 3])
    q.x, q.y, q.z, q.w = geometry.quaternion_xyzw(pose[:3, :3])
    return msg


def odometry_msg(msg, header, result, cfg, null=False):
    """
    Fill a nav_msgs/Odometry with an OdometryResult: pose in odom_frame, twist in base_frame.

    Lost: the last pose (or, `null`, a zero pose) and no motion, with covariance 9999.
    """
    msg.header.stamp = header.stamp
    msg.header.frame_id, msg.child_frame_id = cfg.odom_frame, cfg.base_frame
    pose = msg.pose.pose
    if not null:
        pose.position.x, pose.position.y, pose.position.z = (float(v)
                                                             for v in result.pose[:3, 3])
        o = pose.orientation
        o.x, o.y, o.z, o.w = geometry.quaternion_xyzw(result.pose[:3, :3])
    msg.pose.covariance = [float(v) for v in result.covariance.reshape(-1)]
    v, w = msg.twist.twist.linear, msg.twist.twist.angular
    v.x, v.y, v.z, w.x, w.y, w.z = (float(x) for x in result.twist)
    msg.twist.covariance = [float(x) for x in result.twist_covariance.reshape(-1)]
    return msg
