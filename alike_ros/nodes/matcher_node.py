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
Matcher node: KeypointArray -> MatchArray (+ overlay image while someone watches).

A managed (lifecycle) node: configure validates the parameters (and loads the coarse LoFTR
model in that mode), activate subscribes, deactivate unsubscribes and forgets the previous
frame. Each frame is matched with the previous one (mutual nearest neighbours, robust
homography). Every frame gets exactly one MatchArray; when no homography can be given, valid
is false and `reason` says why.
"""

from collections import deque
import time

import numpy as np
from rclpy.qos import QoSProfile
from sensor_msgs.msg import Image

from alike_ros.config import MatcherConfig, OverlayConfig
from alike_ros.matching import estimate_homography, mnn_match
from alike_ros.nodes import conversions
from alike_ros.nodes.detector_node import image_qos
from alike_ros.nodes.managed import ManagedNode
from alike_ros.nodes.runner import run_nodes
from alike_ros.overlay import draw_matches


def _ns(stamp):
    return stamp.sec * 1_000_000_000 + stamp.nanosec


class MatcherNode(ManagedNode):
    """Matches consecutive KeypointArrays of one stream."""

    CONFIGS = {'config': MatcherConfig, 'overlay_config': OverlayConfig}

    def __init__(self, node_name='alike_matcher', **kwargs):
        super().__init__(node_name, **kwargs)
        self.previous = None  # (header, frame): (keypoints, descriptors) or the image
        self.frame_times = deque(maxlen=30)
        self.images = deque()
        self.loftr = None
        self.image_sub = self._sub = self._timer = None
        self.pub = self.overlay_pub = None
        self.autostart()

    # Lifecycle.
    def configure(self):
        self.images = deque(maxlen=self.overlay_config.image_buffer)
        if self.config.method == 'coarse_loftr':
            from alike_ros.loftr import CoarseLoftr
            self.loftr = CoarseLoftr(self.config.loftr_model or None, log=self.get_logger())
        self.pub = self.create_lifecycle_publisher(conversions.MatchArray, 'matches', 10)
        self.overlay_pub = self.create_lifecycle_publisher(Image, 'matches/overlay',
                                                           QoSProfile(depth=2))

    def activate(self):
        if self.config.method == 'coarse_loftr':
            self._sub = self.create_subscription(
                Image, 'image', self._on_image_loftr,
                image_qos(self.overlay_config.image_reliability))
        else:
            self._sub = self.create_subscription(conversions.KeypointArray, 'keypoints',
                                                 self._on_keypoints, 10)
            self._timer = self.create_timer(0.5, self._update_image_subscription)
        self.get_logger().info(f'matching with {self.config.method}, publishing '
                               f'{self.resolve_topic_name("matches")}')

    def deactivate(self):
        for sub in (self._sub, self.image_sub):
            if sub is not None:
                self.destroy_subscription(sub)
        if self._timer is not None:
            self.destroy_timer(self._timer)
        self.image_sub = self._sub = self._timer = None
        self.previous = None
        self.images.clear()

    def release(self):
        self.deactivate()
        for pub in (self.pub, self.overlay_pub):
            if pub is not None:
                self.destroy_lifecycle_publisher(pub)
        self.pub = self.overlay_pub = None
        self.loftr = None

    def _update_image_subscription(self):
        # Images are only needed for the overlay: subscribe while someone watches it.
        watched = self.overlay_pub.get_subscription_count() > 0
        if watched and self.image_sub is None:
            self.image_sub = self.create_subscription(
                Image, 'image', self._on_image, image_qos(self.overlay_config.image_reliability))
        elif not watched and self.image_sub is not None:
            self.destroy_subscription(self.image_sub)
            self.image_sub = None
            self.images.clear()

    def _on_image(self, msg):
        self.images.append(msg)

    def _on_image_loftr(self, msg):
        """Coarse LoFTR mode: match each image with the previous one (cells, not keypoints)."""
        from alike_ros.loftr import GRID_H, GRID_W
        self._on_frame(msg.header, lambda: conversions.image_msg_to_array(msg),
                       lambda rgb: GRID_W * GRID_H, self._match_loftr, self._overlay_cells)

    def _on_keypoints(self, msg):
        # msg_to_features gives (keypoints, scores, descriptors); matching needs the pair.
        self._on_frame(msg.header, lambda: conversions.msg_to_features(msg)[::2],
                       lambda frame: len(frame[0]), self._match, self._overlay_keypoints)

    def _on_frame(self, header, convert, size, match, overlay):
        """
        Answer one frame with exactly one MatchArray, in either mode.

        `convert` reads the frame (raising ValueError with the reason), `size` counts its
        points, `match(previous, current, out)` fills `out` and returns '' or why it is not
        valid, `overlay(header, previous, current, out)` draws while someone watches.
        """
        self.frame_times.append(time.monotonic())
        out = conversions.MatchArray()
        out.header = header
        out.homography = np.eye(3).reshape(-1)
        try:
            current = convert()
        except ValueError as err:
            out.reason = str(err)
            self.pub.publish(out)
            return
        out.num_current = size(current)
        previous, self.previous = self.previous, (header, current)
        if previous is None:
            out.reason = 'first frame: nothing to match yet'
        else:
            out.previous_header = previous[0]
            out.num_previous = size(previous[1])
            if _ns(header.stamp) <= _ns(previous[0].stamp):
                out.reason = (f'stamp does not increase ({_ns(previous[0].stamp)} ns -> '
                              f'{_ns(header.stamp)} ns): previous frame dropped')
            else:
                try:
                    out.reason = match(previous[1], current, out)
                except Exception as err:  # an exception here would stop the executor
                    out.reason = f'matching failed: {type(err).__name__}: {err}'
                    self.get_logger().error(out.reason)
        out.valid = not out.reason
        self.pub.publish(out)
        if previous is not None:
            overlay(header, previous[1], current, out)

    def _overlay_cells(self, header, image0, image1, out):
        if self.overlay_pub.get_subscription_count() > 0:
            self._draw(header, image1, self._cells(image0), self._cells(image1), out)

    def _overlay_keypoints(self, header, frame0, frame1, out):
        if self.image_sub is not None:
            self._publish_overlay(header, frame0[0], frame1[0], out)

    @staticmethod
    def _cells(image):
        from alike_ros.loftr import cell_pixels, GRID_H, GRID_W
        return cell_pixels(np.arange(GRID_W * GRID_H), image.shape[1], image.shape[0])

    def _match_loftr(self, image0, image1, out):
        cfg = self.config
        pairs, p0, p1, conf = self.loftr.match(image0, image1, cfg.loftr_threshold)
        out.matches = conversions.flat(pairs, 'i')
        out.similarities = conversions.flat(conf, 'f')
        out.num_matches = len(pairs)
        out.inliers = conversions.flat(np.zeros(len(pairs)), 'B')
        return self._fit(p0, p1, out, len(pairs))

    def _match(self, previous, current, out):
        """Fill `out` with matches and homography; return '' or why it is not valid."""
        (kp0, desc0), (kp, desc) = previous, current
        if desc0.shape[1] != desc.shape[1]:
            return (f'descriptor size changed from {desc0.shape[1]} to {desc.shape[1]} '
                    f'(model switched)')
        if len(kp0) == 0 or len(kp) == 0:
            return f'empty frame ({len(kp0)} previous, {len(kp)} current keypoints)'
        cfg = self.config
        pairs, sims = mnn_match(desc0, desc, cfg.min_similarity, cfg.ratio_test)
        out.matches = conversions.flat(pairs, 'i')
        out.similarities = conversions.flat(sims, 'f')
        out.num_matches = len(pairs)
        out.inliers = conversions.flat(np.zeros(len(pairs)), 'B')
        return self._fit(kp0[pairs[:, 0]], kp[pairs[:, 1]], out, len(pairs))

    def _fit(self, p0, p1, out, n):
        """Fit the homography of matched points into `out`; return '' or why not valid."""
        cfg = self.config
        if n < 4:
            return f'{n} matches, a homography needs 4'
        fit = estimate_homography(p0, p1, cfg.homography_method,
                                  cfg.reproj_threshold, cfg.confidence, cfg.max_iters)
        if fit is None:
            return f'no homography found from {n} matches'
        out.inliers = conversions.flat(fit.inliers, 'B')
        out.num_inliers = fit.num_inliers
        if fit.num_inliers < cfg.min_inliers:
            return (f'only {fit.num_inliers} of {n} matches fit a homography '
                    f'(min_inliers {cfg.min_inliers})')
        out.homography = fit.matrix.reshape(-1)
        return ''

    def fps(self):
        """Keypoint frames per second over the last frames."""
        t = self.frame_times
        return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 0.0

    def _publish_overlay(self, header, kp0, kp, out):
        stamp = _ns(header.stamp)
        image_msg = next((m for m in reversed(self.images) if _ns(m.header.stamp) == stamp), None)
        if image_msg is None:
            return
        try:
            rgb = conversions.image_msg_to_array(image_msg)
        except ValueError:
            return
        self._draw(header, rgb, kp0, kp, out)

    def _draw(self, header, rgb, kp0, kp, out):
        bgr = np.ascontiguousarray(rgb[:, :, ::-1]) if rgb.ndim == 3 \
            else np.repeat(rgb[:, :, None], 3, axis=2)
        pairs = np.frombuffer(out.matches, np.int32).reshape(-1, 2)
        inl = np.frombuffer(out.inliers, np.uint8)
        ratio = out.num_inliers / out.num_matches if out.num_matches else 0.0
        text = [f'{out.num_matches} matches, {out.num_inliers} inliers ({ratio:.0%})',
                f'{len(kp)} keypoints, {self.fps():.1f} fps']
        if not out.valid:
            text.append(out.reason[:60])
        image = draw_matches(bgr, kp0, kp, pairs, inl, text)
        self.overlay_pub.publish(conversions.array_to_image_msg(image, header))


def main(args=None):
    return run_nodes([MatcherNode], args, 'matcher_node')
