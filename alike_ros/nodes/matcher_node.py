# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Matcher node: KeypointArray -> MatchArray (+ overlay image while someone watches).

A managed (lifecycle) node: configure validates the parameters and builds the matching method
(a plug-in of alike_ros.matchers; coarse LoFTR loads its model then), activate subscribes,
deactivate unsubscribes and forgets the previous frame. Each frame is matched with the
previous one, a geometry is fitted (homography, fundamental or essential; essential also
publishes the relative pose on `motion`, from the previous frame or from the last keyframe),
and track ids are carried through the inliers and a motion-predicted window. Every
frame gets exactly one MatchArray; when no model can be given, valid is false and `reason` says
why. camera_info is matched to frames by stamp; a missing one is reported, never fatal.

With `use_depth` (OdometryConfig) it also subscribes `depth`, a depth image registered to the
colour camera, matched to frames by stamp like camera_info, and publishes the metric odometry
of the FrontEnd's Odometry: nav_msgs/Odometry on `odom` and the odom -> base transform on /tf
(tf2_ros's broadcaster where it is installed; tf2_msgs/TFMessage otherwise), with a `~/reset`
service (std_srvs/Trigger) that restarts it at the origin (docs/odometry.md).
"""

from collections import deque
import time

import numpy as np
from geometry_msgs.msg import TransformStamped
from rclpy.qos import QoSProfile
from sensor_msgs.msg import CameraInfo, Image

from alike_ros import geometry, matchers
from alike_ros.config import MatcherConfig, MatcherNodeConfig, OdometryConfig
from alike_ros.frontend import FrontEnd
from alike_ros.geometry import depth as depth_ops
from alike_ros.geometry.camera import CalibrationError, Camera
from alike_ros.geometry.tracks import Trails
from alike_ros.matchers.base import Frame
from alike_ros.nodes import messages
from alike_ros.nodes.compat import PublisherEventCallbacks
from alike_ros.nodes.managed import ManagedNode
from alike_ros.nodes.params import ConfigError
from alike_ros.nodes.messages import stamp_ns
from alike_ros.nodes.odometry_output import OdometryOutput
from alike_ros.nodes.qos import image_qos, sensor_qos
from alike_ros.nodes.runner import run_nodes
from alike_ros.overlay import draw_matches


def _method_attr(name):
    return f'method_{name}'


class MatcherNode(ManagedNode):
    """Matches consecutive frames of one stream with the configured method (a FrontEnd)."""

    # Every method's own config is declared too (flat parameter names, unique across methods:
    # test_matchers checks), so a params file or a lifecycle swap can pick any method.
    CONFIGS = {'config': MatcherConfig, 'node_config': MatcherNodeConfig,
               'odometry_config': OdometryConfig,
               **{_method_attr(name): m.config for name, m in matchers.METHODS.items()}}

    def __init__(self, node_name='alike_matcher', **kwargs):
        super().__init__(node_name, **kwargs)
        self.front = None  # the FrontEnd: matching, fit, tracks, keyframes, motion
        self.frame_times = deque(maxlen=30)
        self.frame_ms = deque(maxlen=100)  # callback time a frame, the overlay apart
        self.odom_ms = deque(maxlen=100)  # the odometry's share of it
        self.images = deque()
        self.camera_infos = deque(maxlen=30)
        self.depths = deque()
        self.trails = Trails(1)
        self.image_sub = self._sub = self._info_sub = self._diag_timer = None
        self.pub = self.overlay_pub = self.motion_pub = None
        self.odom = None  # with use_depth: OdometryOutput (publishers, reset service)
        self._depth_sub = None
        self.counts = {'camera_info_bad': 0, 'depth_bad': 0}
        self.last_reason = ''
        self.autostart()

    @property
    def method(self):
        """Return the plug-in that matches (None until configured)."""
        return None if self.front is None else self.front.method

    # Lifecycle.
    def configure(self):
        self.images = deque(maxlen=self.node_config.image_buffer)
        self.trails = Trails(self.node_config.trail_length)
        method = matchers.get_method(self.config.method)
        odometry = self.odometry_config if self.odometry_config.use_depth else None
        if odometry is not None and self.config.geometry == 'homography':
            raise ConfigError('use_depth (odometry) needs geometry essential or fundamental, '
                              'whose inliers carry the tracks: set geometry: essential')
        self.front = FrontEnd(self.config, getattr(self, _method_attr(method.name)),
                              log=self.get_logger(), odometry=odometry)
        self.front.warm_up()  # first calls here, not on the stream's first frames
        self.depths = deque(maxlen=self.node_config.image_buffer)
        if odometry is not None:
            self.odom = OdometryOutput(self, self.front.odometry)
        self.pub = self.create_lifecycle_publisher(messages.MatchArray, 'matches', 10)
        # Images are needed for the overlay only: the publisher's matched event subscribes
        # them while someone watches (keypoint methods).
        self.overlay_pub = self.create_lifecycle_publisher(
            Image, 'matches/overlay', QoSProfile(depth=2),
            event_callbacks=PublisherEventCallbacks(
                matched=lambda _: self._update_image_subscription()))
        self.motion_pub = self.create_lifecycle_publisher(TransformStamped, 'motion', 10)
        self._diag_timer = self.create_timer(self.node_config.diagnostics_period,
                                             self._publish_diagnostics)

    def activate(self):
        # camera_info is small and every frame needs its own: keep a few.
        self._info_sub = self.create_subscription(
            CameraInfo, 'camera_info', self._on_camera_info,
            sensor_qos(self.node_config.image_reliability, depth=10))
        if self.odom is not None:
            self._depth_sub = self.create_subscription(
                Image, 'depth', self._on_depth, image_qos(self.node_config.image_reliability))
        if self.method.needs_image:
            self._sub = self.create_subscription(
                Image, 'image', self._on_image_frame,
                image_qos(self.node_config.image_reliability))
        else:
            self._sub = self.create_subscription(messages.KeypointArray, 'keypoints',
                                                 self._on_keypoints, 10)
            self._update_image_subscription()
        self.get_logger().info(f'matching with {self.method.name}, publishing '
                               f'{self.resolve_topic_name("matches")}')

    def deactivate(self):
        for sub in (self._sub, self.image_sub, self._info_sub, self._depth_sub):
            if sub is not None:
                self.destroy_subscription(sub)
        self.image_sub = self._sub = self._info_sub = self._depth_sub = None
        self.depths.clear()
        if self.front is not None:
            self.front.reset()
        self.trails = Trails(self.node_config.trail_length)
        self.images.clear()
        self.camera_infos.clear()

    def release(self):
        self.deactivate()
        for pub in (self.pub, self.overlay_pub, self.motion_pub):
            if pub is not None:
                self.destroy_lifecycle_publisher(pub)
        if self._diag_timer is not None:
            self.destroy_timer(self._diag_timer)
        self.pub = self.overlay_pub = self.motion_pub = self._diag_timer = None
        if self.odom is not None:
            self.odom.destroy()
        self.odom = None
        self.front = None

    def apply_live(self, attr, config):
        super().apply_live(attr, config)
        if attr == 'node_config' and config.trail_length != self.trails.length:
            self.trails = Trails(config.trail_length)
        if self.front is None:
            return
        if attr == _method_attr(self.method.name):
            self.front.matcher.config = config
        if attr == 'config':
            self.front.config = config
        if attr == 'odometry_config' and self.front.odometry is not None:
            self.front.odometry.config = config

    def _update_image_subscription(self):
        """Subscribe images while the overlay is watched (keypoint methods, when active)."""
        if self._sub is None or self.method.needs_image:
            return
        watched = self.overlay_pub.get_subscription_count() > 0
        if watched and self.image_sub is None:
            self.image_sub = self.create_subscription(
                Image, 'image', self._on_image, sensor_qos(self.node_config.image_reliability))
        elif not watched and self.image_sub is not None:
            self.destroy_subscription(self.image_sub)
            self.image_sub = None
            self.images.clear()

    def _on_camera_info(self, msg):
        self.camera_infos.append(msg)

    def _on_image(self, msg):
        self.images.append(msg)

    def _on_depth(self, msg):
        self.depths.append(msg)

    def _on_image_frame(self, msg):
        """Methods that match pixels: each image is a frame."""
        self._on_frame(msg.header, lambda: Frame(image=messages.image_msg_to_array(msg)))

    def _on_keypoints(self, msg):
        def convert():
            keypoints, scores, descriptors = messages.msg_to_features(msg)
            return Frame(keypoints, descriptors, scores=scores)
        self._on_frame(msg.header, convert)

    def _on_frame(self, header, convert):
        """Answer one frame with exactly one MatchArray (and its motion, when there is one)."""
        t0 = time.monotonic()
        self.frame_times.append(t0)
        result = self.front.process(convert, stamp_ns(header.stamp),
                                    lambda: self._camera_for(header), tag=header,
                                    depth=lambda: self._depth_for(header))
        if result.odometry is not None:
            self.odom.publish(header, result.odometry, self.odometry_config)
            if result.odometry.ms:  # measured (a frame skipped outright took none)
                self.odom_ms.append(result.odometry.ms)
        if result.motion is not None:
            self.motion_pub.publish(motion_msg(header, result.motion_reference, result.motion))
        out = match_array(result, self.config)
        if not result.valid:
            self.last_reason = result.reason
        self.pub.publish(out)
        self.frame_ms.append((time.monotonic() - t0) * 1e3)  # what the host pays a frame
        if result.previous_tag is not None:
            self._overlay(header, result, out)

    def _camera_for(self, header):
        """Return (Camera, '') for a frame's stamp, or (None, why not)."""
        stamp = stamp_ns(header.stamp)
        tolerance = self.node_config.camera_info_tolerance * 1e9
        best = min(self.camera_infos, key=lambda m: abs(stamp_ns(m.header.stamp) - stamp),
                   default=None)
        if best is None:
            return None, 'none received on ' + self.resolve_topic_name('camera_info')
        gap = abs(stamp_ns(best.header.stamp) - stamp)
        if gap > tolerance:
            return None, (f'none with this stamp (nearest {gap / 1e6:.0f} ms away; '
                          f'camera_info_tolerance {self.node_config.camera_info_tolerance} s)')
        try:  # keypoints and cells are in the image's pixels, as camera_info's K
            return Camera.from_msg(best), ''
        except CalibrationError as err:
            self.counts['camera_info_bad'] += 1
            return None, f'unusable camera_info: {err}'

    def _depth_for(self, header):
        """Return (depth pixels, '', their stamp) for a frame's stamp, or (None, why not)."""
        stamp = stamp_ns(header.stamp)
        cfg = self.odometry_config
        best = min(self.depths, key=lambda m: abs(stamp_ns(m.header.stamp) - stamp),
                   default=None)
        if best is None:
            return None, 'none received on ' + self.resolve_topic_name('depth')
        gap = abs(stamp_ns(best.header.stamp) - stamp)
        if gap > cfg.depth_tolerance * 1e9:
            return None, (f'none with this stamp (nearest {gap / 1e6:.0f} ms away; '
                          f'depth_tolerance {cfg.depth_tolerance} s)')
        try:  # as the message has it: 16-bit depth is scaled at the keypoints only
            pixels = depth_ops.depth_pixels(best.encoding, best.height, best.width, best.step,
                                            best.data, bool(best.is_bigendian))
        except ValueError as err:
            self.counts['depth_bad'] += 1
            return None, f'unusable depth image: {err}'
        # Its own stamp: the odometry moves a depth taken off the frame's (depth_motion).
        return pixels, '', stamp_ns(best.header.stamp)

    def fps(self):
        """Keypoint frames per second over the last frames."""
        t = self.frame_times
        return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 0.0

    def _overlay(self, header, result, out):
        """Draw the matches while someone watches the overlay."""
        if self.method.needs_image:
            if self.overlay_pub.get_subscription_count() == 0:
                return
            rgb = self.front.previous[2].image
        else:
            if self.image_sub is None:
                return
            stamp = stamp_ns(header.stamp)
            image_msg = next((m for m in reversed(self.images)
                              if stamp_ns(m.header.stamp) == stamp), None)
            try:
                rgb = None if image_msg is None else messages.image_msg_to_array(image_msg)
            except ValueError:
                rgb = None
            if rgb is None:
                return
        bgr = np.ascontiguousarray(rgb[:, :, ::-1]) if rgb.ndim == 3 \
            else np.repeat(rgb[:, :, None], 3, axis=2)
        n, inl = result.num_matches, result.num_inliers
        text = [f'{n} matches, {inl} inliers ({inl / n if n else 0.0:.0%})',
                f'{len(result.points)} keypoints, {self.fps():.1f} fps']
        if not result.valid:
            text.append(result.reason[:60])
        ids = result.track_ids
        trails = self.trails.update(ids, result.points) if self.trails.length > 1 else None
        image = draw_matches(bgr, result.previous_points, result.points, result.pairs,
                             result.inliers, text, trails)
        self.overlay_pub.publish(messages.array_to_image_msg(image, header))

    def _publish_diagnostics(self):
        counts = {**(self.front.counts if self.front else {}), **self.counts}
        missing = counts.get('camera_missing', 0)
        counts['camera_info_missing'] = counts.pop('camera_missing', 0)
        message = 'camera_info missing for some frames' if missing else self.state
        odometry = self.front.odometry if self.front else None
        extra = {}
        if odometry is not None:
            counts.update(odometry.counts)
            extra['last_odom_lost_reason'] = odometry.last_lost_reason
            extra.update(percentiles('odom_ms', self.odom_ms))
            if self.odom.lost_since_report:
                message = f'odometry lost in {self.odom.lost_since_report} frames'
            self.odom.lost_since_report = 0
        self.publish_status(
            'ALIKE matcher', f'{self.config.method}/{self.config.geometry}',
            missing or message.startswith('odometry lost'), message,
            {**counts, 'state': self.state, 'last_invalid_reason': self.last_reason,
             **percentiles('frame_ms', self.frame_ms), **extra})


def percentiles(name, values):
    """Return {name_p50, name_p95} of recent values ({} before the first)."""
    if not values:
        return {}
    p50, p95 = np.percentile(np.asarray(values), (50, 95))
    return {f'{name}_p50': f'{p50:.2f}', f'{name}_p95': f'{p95:.2f}'}


def match_array(result, config):
    """Build the MatchArray of a FrameResult (tags are the frames' headers)."""
    out = messages.MatchArray()
    out.header = result.tag
    out.method = config.method
    out.geometry = config.geometry
    if result.previous_tag is not None:
        out.previous_header = result.previous_tag
        out.num_previous = len(result.previous_points)
    out.num_current = 0 if result.points is None else len(result.points)
    out.matches = messages.flat(result.pairs, 'i')
    out.scores = messages.flat(result.scores, 'f')
    out.num_matches = result.num_matches
    out.inliers = messages.flat(result.inliers, 'B')
    out.num_inliers = result.num_inliers
    out.matrix = np.asarray(result.matrix, np.float64).reshape(-1)
    out.undistorted = result.undistorted
    out.valid, out.reason = result.valid, result.reason
    if result.motion_reference is not None:
        out.motion_reference = result.motion_reference
    out.keyframe = result.keyframe
    if result.track_ids is not None:
        out.track_ids = messages.flat(result.track_ids, 'Q')
        out.track_ages = messages.flat(result.track_ages, 'I')
    return out


def motion_msg(header, reference_header, fit):
    """
    Build the TransformStamped of an essential fit: the reference camera in the current one.

    It maps points from the reference (previous or key) camera frame into the current one
    (X_cur = R X_ref + t, t of unit length: a monocular pair has no scale), stamped with the
    current frame; MatchArray.motion_reference says which frame the reference is.
    """
    msg = TransformStamped()
    msg.header = header
    msg.child_frame_id = reference_header.frame_id
    t = msg.transform.translation
    t.x, t.y, t.z = (float(v) for v in fit.translation)
    q = msg.transform.rotation
    q.x, q.y, q.z, q.w = geometry.quaternion_xyzw(fit.rotation)
    return msg


def main(args=None):
    return run_nodes([MatcherNode], args, 'matcher_node')
