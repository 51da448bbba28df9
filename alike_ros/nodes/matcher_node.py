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

A managed (lifecycle) node: configure validates the parameters and builds the matching method
(a plug-in of alike_ros.matchers; coarse LoFTR loads its model then), activate subscribes,
deactivate unsubscribes and forgets the previous frame. Each frame is matched with the
previous one, a geometry is fitted (homography, fundamental or essential; essential also
publishes the relative pose on `motion`, from the previous frame or from the last keyframe),
and track ids are carried through the inliers and a motion-predicted window. Every
frame gets exactly one MatchArray; when no model can be given, valid is false and `reason` says
why. camera_info is matched to frames by stamp; a missing one is reported, never fatal.
"""

from collections import deque
import time

import numpy as np
from geometry_msgs.msg import TransformStamped
from rclpy.event_handler import PublisherEventCallbacks
from rclpy.qos import QoSProfile
from sensor_msgs.msg import CameraInfo, Image

from alike_ros import geometry, matchers
from alike_ros.config import MatcherConfig, MatcherNodeConfig
from alike_ros.geometry.camera import CalibrationError, Camera
from alike_ros.geometry.keyframes import (is_new_keyframe, Keyframe, shared_tracks,
                                          translation_parallax_px)
from alike_ros.geometry.tracks import motion_prediction, Tracker, Trails
from alike_ros.matchers.base import Frame, Matches
from alike_ros.nodes import messages
from alike_ros.nodes.managed import ManagedNode
from alike_ros.nodes.messages import stamp_ns
from alike_ros.nodes.qos import image_qos, sensor_qos
from alike_ros.nodes.runner import run_nodes
from alike_ros.overlay import draw_matches


# The frame-to-frame essential fit when it only gives inliers (the motion comes from the
# keyframe): OpenCV's USAC at the same threshold finds a median 99 % of PoseLib's inliers on
# the TUM pairs (lowest 80 %) at 0.6x its time (docs/motion.md, Cost).
INLIERS_ONLY_ESTIMATOR = 'usac_default'


def _method_attr(name):
    return f'method_{name}'


class MatcherNode(ManagedNode):
    """Matches consecutive frames of one stream with the configured method."""

    # Every method's own config is declared too (flat parameter names, unique across methods:
    # test_matchers checks), so a params file or a lifecycle swap can pick any method.
    CONFIGS = {'config': MatcherConfig, 'node_config': MatcherNodeConfig,
               **{_method_attr(name): m.config for name, m in matchers.METHODS.items()}}

    def __init__(self, node_name='alike_matcher', **kwargs):
        super().__init__(node_name, **kwargs)
        self.previous = None  # (header, Frame)
        self.keyframe = None  # Keyframe motion is measured from (motion_reference)
        self.previous_ids = None  # track ids of the previous frame's points
        self.frame_times = deque(maxlen=30)
        self.images = deque()
        self.camera_infos = deque(maxlen=30)
        self.tracker, self.trails = Tracker(), Trails(1)
        self.method = self.matcher = None
        self._camera = None  # this frame's Camera (essential, undistort)
        # This frame's Fit and its matched points (essential: normalised coordinates).
        self._fitted, self._points = None, None
        self.image_sub = self._sub = self._info_sub = self._diag_timer = None
        self.pub = self.overlay_pub = self.motion_pub = None
        self.counts = dict.fromkeys(('frames', 'valid', 'invalid', 'camera_info_missing',
                                     'camera_info_bad', 'undistorted', 'keyframes'), 0)
        self.last_reason = ''
        self.autostart()

    # Lifecycle.
    def configure(self):
        self.images = deque(maxlen=self.node_config.image_buffer)
        self.trails = Trails(self.node_config.trail_length)
        if 'poselib' in (self.config.estimator(), self.config.robust_method):
            import alike_ros.geometry.poselib_fit  # noqa: F401 (raises what to install)
        self.method = matchers.get_method(self.config.method)
        self.tracker = self._new_tracker()
        self.matcher = self.method.build(getattr(self, _method_attr(self.method.name)),
                                         log=self.get_logger())
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
        for sub in (self._sub, self.image_sub, self._info_sub):
            if sub is not None:
                self.destroy_subscription(sub)
        self.image_sub = self._sub = self._info_sub = None
        self.previous = self.keyframe = self.previous_ids = None
        self.tracker = self._new_tracker()
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
        self.method = self.matcher = None

    def apply_live(self, attr, config):
        super().apply_live(attr, config)
        if attr == 'node_config' and config.trail_length != self.trails.length:
            self.trails = Trails(config.trail_length)
        if self.method is not None and attr == _method_attr(self.method.name):
            self.matcher.config = config
        if attr == 'config':
            tracker = self._new_tracker()
            t = self.tracker
            if t.settings() != tracker.settings():
                # Tracks restart with the new settings; their ids go on from the old ones
                # (never reused: the keyframe finds its points by track id).
                tracker.next_id = t.next_id
                self.tracker = tracker
            if config.motion_reference != 'keyframe' or config.geometry != 'essential':
                self.keyframe = None

    def _new_tracker(self):
        # A track budget chooses keypoints to match; methods matching images have none.
        images = self.method is not None and self.method.needs_image
        return Tracker.from_config(self.config, budget=0 if images else None)

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

    def _on_image_frame(self, msg):
        """Methods that match pixels: each image is a frame."""
        self._on_frame(msg.header, lambda: Frame(image=messages.image_msg_to_array(msg)))

    def _on_keypoints(self, msg):
        def convert():
            keypoints, scores, descriptors = messages.msg_to_features(msg)
            return Frame(keypoints, descriptors, scores=scores)
        self._on_frame(msg.header, convert)

    def _on_frame(self, header, convert):
        """
        Answer one frame with exactly one MatchArray.

        `convert` reads the message into a Frame, raising ValueError with the reason.
        """
        self.frame_times.append(time.monotonic())
        out = messages.MatchArray()
        out.header = header
        out.method = self.config.method
        out.geometry = self.config.geometry
        out.matrix = np.eye(3).reshape(-1)
        try:
            current = convert()
        except ValueError as err:
            out.reason = str(err)
            self._publish(out)
            return
        out.num_current = len(self.matcher.points(current))
        previous, self.previous = self.previous, (header, current)
        if previous is None:
            out.reason = 'first frame: nothing to match yet'
        else:
            out.previous_header = previous[0]
            out.num_previous = len(self.matcher.points(previous[1]))
            if stamp_ns(header.stamp) <= stamp_ns(previous[0].stamp):
                out.reason = (f'stamp does not increase ({stamp_ns(previous[0].stamp)} ns -> '
                              f'{stamp_ns(header.stamp)} ns): previous frame dropped')
            elif out.num_previous == 0 or out.num_current == 0:
                out.reason = (f'empty frame ({out.num_previous} previous, {out.num_current} '
                              'current keypoints)')
            else:
                try:
                    out.reason = self._match(previous[1], current, out)
                except Exception as err:  # an exception here would stop the executor
                    out.reason = f'matching failed: {type(err).__name__}: {err}'
                    self.get_logger().error(out.reason)
        out.valid = not out.reason
        try:
            ids, ages = self._track(out, previous, current)
            if self._keyframes():
                self._keyframe_motion(out, previous, current, ids)
        except Exception as err:  # an exception here would stop the executor: start anew
            out.valid, out.reason = False, f'tracking failed: {type(err).__name__}: {err}'
            self.get_logger().error(out.reason)
            tracker = self._new_tracker()
            tracker.next_id = self.tracker.next_id  # ids are never reused
            self.tracker, self.keyframe = tracker, None
            ids, ages = self.tracker.update(
                out.num_current, keypoints=self.matcher.points(current), scores=current.scores)
        self.previous_ids = ids
        out.track_ids = messages.flat(ids, 'Q')
        out.track_ages = messages.flat(ages, 'I')
        self._publish(out)
        if previous is not None:
            self._overlay(header, previous[1], current, out, ids)

    def _track(self, out, previous, current):
        """Return (ids, ages) of the current points: inlier links, then the window pass."""
        points = self.matcher.points(current)
        desc = current.descriptors
        if desc is not None and not np.issubdtype(desc.dtype, np.floating):
            desc = None  # binary codes: inlier links only
        if not out.valid:
            return self.tracker.update(out.num_current, None, None, points, desc, None,
                                       current.scores)
        pairs = np.frombuffer(out.matches, np.int32).reshape(-1, 2)
        inliers = np.frombuffer(out.inliers, np.uint8)
        linked = pairs[inliers.astype(bool)]
        prediction = None
        if self.config.track_window > 0 and desc is not None:
            if out.geometry == 'homography' and not out.undistorted:
                prediction = self._fitted.matrix  # the fit already says where points move
            else:
                prediction = motion_prediction(self.matcher.points(previous[1])[linked[:, 0]],
                                               points[linked[:, 1]])
        return self.tracker.update(out.num_current, pairs, inliers, points, desc, prediction,
                                   current.scores)

    def _publish(self, out):
        self.counts['frames'] += 1
        self.counts['valid' if out.valid else 'invalid'] += 1
        if not out.valid:
            self.last_reason = out.reason
        self.pub.publish(out)

    def _match(self, previous, current, out):
        """Fill `out` with matches and the fitted geometry; return '' or why not valid."""
        try:
            matches = self._match_tracked(previous, current)
        except ValueError as err:  # frames that cannot be matched (e.g. the model switched)
            return str(err)
        out.matches = messages.flat(matches.pairs, 'i')
        out.scores = messages.flat(matches.scores, 'f')
        out.num_matches = len(matches)
        out.inliers = messages.flat(np.zeros(len(matches)), 'B')
        reason = self._fit(matches.points0, matches.points1, out, len(matches))
        if reason or self._fitted.rotation is None:
            return reason
        if not self._keyframes():
            out.motion_reference = out.previous_header
            self.motion_pub.publish(motion_msg(out.header, out.previous_header, self._fitted))
        return ''

    def _match_tracked(self, previous, current):
        """Match with the previous frame's points that carry tracks (all without a budget)."""
        chosen = self.tracker.chosen
        if chosen is None or len(chosen) != len(self.matcher.points(previous)):
            return self.matcher.match(previous, current)
        index = np.flatnonzero(chosen)
        matches = self.matcher.match(previous.subset(index), current)
        pairs = np.stack([index[matches.pairs[:, 0]], matches.pairs[:, 1]], axis=1)
        return Matches.of(pairs, matches.scores, self.matcher.points(previous),
                          self.matcher.points(current))

    def _keyframes(self):
        """Return whether motion is measured from keyframes (essential only)."""
        return self.config.motion_reference == 'keyframe' and self.config.geometry == 'essential'

    def _keyframe_motion(self, out, previous, current, ids):
        """
        Publish the motion from the keyframe; move the keyframe on when the view has moved.

        Runs after tracking: a frame's correspondences with the keyframe are its points on
        the keyframe's tracks (shared_tracks), so it needs no second matching. The first frame
        becomes the keyframe; without one (or it was forgotten) the previous frame becomes it.
        A frame whose parallax from the keyframe reaches keyframe_parallax, or that keeps
        fewer than keyframe_min_inlier_ratio of the inliers the keyframe had with the frame
        after it (for that frame: of its matches), becomes the next keyframe; so does one that
        cannot be fitted to it.
        """
        cfg = self.config
        if previous is None:
            self._make_keyframe(out, current, ids)
            return
        if not out.valid or self._fitted is None:
            return
        # A pose-less fit (_inliers_only) has a keyframe older than the previous frame, so it
        # is never the one reused below: that branch needs the keyframe to be the previous.
        if self.keyframe is None:
            self.keyframe = Keyframe(out.previous_header, previous[1], self.previous_ids)
            self.counts['keyframes'] += 1
        kf = self.keyframe
        if stamp_ns(kf.header.stamp) == stamp_ns(out.previous_header.stamp):
            fit, (xy0, xy1) = self._fitted, self._points
            kf.inliers = fit.num_inliers
            share = fit.num_inliers / max(out.num_matches, 1)
        else:
            fit = None
            k, c = shared_tracks(kf.ids, ids)
            if len(k) >= max(geometry.MIN_POINTS['essential'], cfg.min_inliers):
                xy0 = self._camera.normalised(self.matcher.points(kf.frame)[k])
                xy1 = self._camera.normalised(self.matcher.points(current)[c])
                fit = geometry.fit('essential', xy0, xy1, *cfg.robust(),
                                   focal=self._camera.focal)
            if fit is None or fit.num_inliers < cfg.min_inliers:
                self._make_keyframe(out, current, ids)
                return
            share = fit.num_inliers / max(kf.inliers or len(k), 1)
        out.motion_reference = kf.header
        self.motion_pub.publish(motion_msg(out.header, kf.header, fit))
        mask = fit.inliers.astype(bool)
        parallax = translation_parallax_px(fit.rotation, xy0[mask], xy1[mask], 1.0)
        if is_new_keyframe(np.degrees(parallax), share, cfg.keyframe_parallax,
                           cfg.keyframe_min_inlier_ratio):
            self._make_keyframe(out, current, ids)

    def _make_keyframe(self, out, current, ids):
        self.keyframe = Keyframe(out.header, current, ids)
        out.keyframe = True
        self.counts['keyframes'] += 1

    def _inliers_only(self, out):
        """
        Return whether this frame's frame-to-frame essential fit gives its inliers only.

        So it is when the motion is fitted against a keyframe older than the previous frame
        (with PoseLib, once, in _keyframe_motion): the matches' inliers and the tracks then
        come from the cheaper INLIERS_ONLY_ESTIMATOR at the same threshold.
        """
        return (self._keyframes() and self.keyframe is not None
                and self.config.estimator() == 'poselib'
                and stamp_ns(self.keyframe.header.stamp) != stamp_ns(out.previous_header.stamp))

    def _fit(self, p0, p1, out, n):
        """Fit the geometry of matched points into `out`; return '' or why not valid."""
        cfg, kind = self.config, self.config.geometry
        self._fitted, self._points, self._camera = None, (p0, p1), None
        need = geometry.MIN_POINTS[kind]
        if n < need:
            return f'{n} matches, a {kind} needs {need}'
        camera = None
        if kind == 'essential' or cfg.undistort:
            camera, problem = self._camera_for(out.header)
            if camera is None:
                self.counts['camera_info_missing'] += 1
                if kind == 'essential':
                    return f'essential needs camera_info: {problem}'
                # undistort without camera_info: fit on the raw pixels (undistorted false)
        robust, pose = cfg.robust(), True
        if self._inliers_only(out):
            robust, pose = (INLIERS_ONLY_ESTIMATOR,) + robust[1:], False
        self._camera = camera
        if kind == 'essential':  # normalised once: the keyframe step reuses them
            self.counts['undistorted'] += 1
            out.undistorted = True
            self._points = camera.normalised(p0), camera.normalised(p1)
            fit = geometry.fit(kind, *self._points, *robust, camera.focal, pose=pose)
        elif camera is not None:
            self.counts['undistorted'] += 1
            out.undistorted = True
            fit = geometry.fit_calibrated(kind, camera, p0, p1, *robust)
        else:
            fit = geometry.fit(kind, p0, p1, *robust)
        if fit is None:
            return f'no {kind} found from {n} matches'
        out.inliers = messages.flat(fit.inliers, 'B')
        out.num_inliers = fit.num_inliers
        if fit.num_inliers < cfg.min_inliers:
            return (f'only {fit.num_inliers} of {n} matches fit a {kind} '
                    f'(min_inliers {cfg.min_inliers})')
        out.matrix = fit.matrix.reshape(-1)
        self._fitted = fit
        return ''

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

    def fps(self):
        """Keypoint frames per second over the last frames."""
        t = self.frame_times
        return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 0.0

    def _overlay(self, header, previous, current, out, ids):
        """Draw the matches while someone watches the overlay."""
        if self.method.needs_image:
            if self.overlay_pub.get_subscription_count() == 0:
                return
            rgb = current.image
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
        self._draw(header, rgb, self.matcher.points(previous), self.matcher.points(current),
                   out, ids)

    def _draw(self, header, rgb, kp0, kp, out, ids):
        bgr = np.ascontiguousarray(rgb[:, :, ::-1]) if rgb.ndim == 3 \
            else np.repeat(rgb[:, :, None], 3, axis=2)
        pairs = np.frombuffer(out.matches, np.int32).reshape(-1, 2)
        inl = np.frombuffer(out.inliers, np.uint8)
        ratio = out.num_inliers / out.num_matches if out.num_matches else 0.0
        text = [f'{out.num_matches} matches, {out.num_inliers} inliers ({ratio:.0%})',
                f'{len(kp)} keypoints, {self.fps():.1f} fps']
        if not out.valid:
            text.append(out.reason[:60])
        trails = self.trails.update(ids, kp) if self.trails.length > 1 else None
        image = draw_matches(bgr, kp0, kp, pairs, inl, text, trails)
        self.overlay_pub.publish(messages.array_to_image_msg(image, header))

    def _publish_diagnostics(self):
        missing = self.counts['camera_info_missing']
        self.publish_status(
            'ALIKE matcher', f'{self.config.method}/{self.config.geometry}', missing,
            'camera_info missing for some frames' if missing else self.state,
            {**self.counts, 'state': self.state, 'last_invalid_reason': self.last_reason})


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
