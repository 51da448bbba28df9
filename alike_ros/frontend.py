# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The motion front-end: one frame in, its matches, fit, tracks, keyframe and motion out.

The counterpart of the Detector for the second half of the graph, and importable without ROS.
A FrontEnd holds the matching method, the tracker, the keyframe and the live MatcherConfig;
`process` matches a frame with the previous one (against the tracked points under a track
budget), fits the configured geometry, carries the track ids on (inlier links, then the
motion-predicted window) and, for `geometry: essential`, measures the motion from the previous
frame or from the last keyframe. The matcher node, motion-eval, the benchmarks and a user's
script all call it, so the graph and an offline run give the same answer frame by frame.

    front = FrontEnd(MatcherConfig(geometry='essential'))
    for stamp, image in frames:
        f = detector.detect(image)
        result = front.process(Frame(f.keypoints, f.descriptors, scores=f.scores), stamp,
                               camera)
        result.track_ids, result.motion  # motion: a geometry.Fit (R, t of unit length)
"""

from dataclasses import dataclass, field
import time

import cv2
import numpy as np

from alike_ros import geometry, matchers
from alike_ros.config import MatcherConfig
from alike_ros.geometry.camera import Camera
from alike_ros.geometry.keyframes import (is_new_keyframe, Keyframe, shared_tracks,
                                          translation_parallax_px)
from alike_ros.geometry.tracks import motion_prediction, Tracker
from alike_ros.matchers.base import Frame, Matches
from alike_ros.odometry import Odometry

# The frame-to-frame essential fit when it only gives inliers (the motion comes from the
# keyframe): OpenCV's USAC at the same threshold finds a median 99 % of PoseLib's inliers on
# the TUM pairs (lowest 80 %) at 0.6x its time (docs/motion.md, Cost).
INLIERS_ONLY_ESTIMATOR = 'usac_default'

COUNTS = ('frames', 'valid', 'invalid', 'camera_missing', 'undistorted', 'keyframes')


@dataclass
class FrameResult:
    """What the front-end says of one frame (MatchArray's fields, as numpy arrays)."""

    stamp: int  # this frame's stamp (ns)
    tag: object = None  # what the caller passed with this frame (the node: its header)
    previous_tag: object = None  # ... with the frame it was matched to (None: first frame)
    points: np.ndarray = None  # N x 2 current points (Matcher.points: keypoints or cells)
    previous_points: np.ndarray = None  # the previous frame's points
    pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int32))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    inliers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    matrix: np.ndarray = field(default_factory=lambda: np.eye(3))
    undistorted: bool = False
    reason: str = ''  # why no model could be given ('' = valid)
    track_ids: np.ndarray = None  # N uint64 (0: no track)
    track_ages: np.ndarray = None  # N uint32
    keyframe: bool = False  # this frame became the keyframe
    motion: object = None  # geometry.Fit with rotation/translation (X_cur = R X_ref + t)
    motion_reference: object = None  # the tag of the frame `motion` is measured from
    odometry: object = None  # odometry.OdometryResult (with depth: a FrontEnd with odometry)
    camera_missing: bool = False  # the fit needed a camera and had none
    timings: dict = field(default_factory=dict)  # ms per step

    @property
    def valid(self):
        """Whether a model was fitted (MatchArray.valid)."""
        return not self.reason

    @property
    def num_matches(self):
        """Return the number of matched pairs."""
        return len(self.pairs)

    @property
    def num_inliers(self):
        """Return the number of inliers of the fit (0 when none was fitted)."""
        return int(np.count_nonzero(self.inliers))


class FrontEnd:
    """
    Matches each frame of one stream with the previous one; tracks, keyframes and motion.

    `config` is a MatcherConfig (live: assign a new one to `config`), `method_config` the
    method's own config (default: its defaults), `log` a logger for errors (logging or rclpy).
    `odometry` an OdometryConfig: metric odometry from the depth images given to `process`
    (the Odometry is `self.odometry`; live: assign a new config to its `config`). `matcher`:
    a matchers.base.Matcher to match with instead of the method's (a peer's own matching).
    """

    def __init__(self, config=None, method_config=None, log=None, odometry=None,
                 matcher=None):
        self._config = (config or MatcherConfig()).validated()
        self.method = matchers.get_method(self._config.method)
        if odometry is not None or 'poselib' in (self._config.estimator(),
                                                 self._config.robust_method):
            import alike_ros.geometry.poselib_fit  # noqa: F401 (raises what to install)
        # A Matcher instance may stand in for the method's (peers matched their own way).
        self.matcher = matcher or self.method.build(method_config, log=log)
        self.log = log
        self.counts = dict.fromkeys(COUNTS, 0)
        self.tracker = self._new_tracker()
        self.odometry = None if odometry is None else Odometry(odometry)
        self.reset()

    def reset(self):
        """Forget the previous frame, the keyframe and the tracks (ids carry on)."""
        self.previous = None  # (stamp, tag, Frame)
        self._previous_stamp = None
        self._fitted, self._points, self._camera = None, None, None
        self._prior = None  # the last frame-to-frame pose: where the next fit starts
        self._normalised = {}  # stamp -> (camera, all its points undistorted, normalised)
        self.previous_ids = None
        self.keyframe = None
        self._restart_tracks()
        if getattr(self, 'odometry', None) is not None:
            self.odometry.reset()

    def warm_up(self, count=1000, descriptor_dim=64):
        """
        Match two synthetic frames once, as a stream's first would, and forget them.

        A process's first match pays its first calls (ONNX Runtime's first run, OpenCV's and
        PoseLib's first fits, the lazy imports): 5.6 ms against the median 2.6 with the
        default homography on the TUM frames. The matcher node calls this at configure, so a
        stream's first frames cost what the rest cost. Nothing of this FrontEnd changes (a
        throwaway one shares its matcher); methods that match images skip it.
        """
        if self.method.needs_image:
            return
        rng = np.random.default_rng(0)
        # Points 2-6 m ahead seen by a VGA camera that moves 5 cm sideways and turns 0.5 deg.
        xyz = np.c_[rng.uniform(-2, 2, (count, 2)), rng.uniform(2, 6, count)]
        turn, _ = cv2.Rodrigues(np.array([0.0, np.radians(0.5), 0.0]))
        K = np.array([[525.0, 0, 320], [0, 525, 240], [0, 0, 1]])
        camera = Camera.from_fields(K.ravel(), [0.0] * 5, 'plumb_bob', 640, 480)
        pixels = [(p[:, :2] / p[:, 2:]).astype(np.float32)
                  for p in (xyz @ K.T, (xyz @ turn.T + [0.05, 0, 0]) @ K.T)]
        desc = rng.standard_normal((count, descriptor_dim)).astype(np.float32)
        desc /= np.linalg.norm(desc, axis=1, keepdims=True)
        scores = np.ones(count, np.float32)
        front = FrontEnd(self._config, matcher=self.matcher)
        for stamp, xy in enumerate(pixels, 1):
            front.process(Frame(xy, desc, scores=scores), stamp, camera)

    @property
    def config(self):
        """Return the live MatcherConfig."""
        return self._config

    @config.setter
    def config(self, config):
        """Apply a new MatcherConfig (the method itself changes only with a new FrontEnd)."""
        config = config.validated()
        if config.method != self.method.name:
            raise ValueError(f"method '{config.method}' needs a new FrontEnd "
                             f"(this one matches with '{self.method.name}')")
        self._config = config
        if self._new_tracker().settings() != self.tracker.settings():
            self._restart_tracks()
        if not self._keyframes():
            self.keyframe = None

    def _new_tracker(self):
        # A track budget chooses keypoints to match; methods matching images have none.
        return Tracker.from_config(self._config, budget=0 if self.method.needs_image else None)

    def _restart_tracks(self):
        # Ids go on from the old tracker's: never reused, the keyframe finds points by id.
        tracker = self._new_tracker()
        tracker.next_id = self.tracker.next_id
        self.tracker = tracker

    def _keyframes(self):
        """Return whether motion is measured from keyframes (essential only)."""
        cfg = self._config
        return cfg.motion_reference == 'keyframe' and cfg.geometry == 'essential'

    def process(self, frame, stamp, camera=None, tag=None, depth=None, depth_stamp=None):
        """
        Return the FrameResult of one frame (a matchers.base.Frame, or a callable making one).

        `stamp` (ns) must increase; `camera` is a geometry.camera.Camera, None, or a callable
        returning (Camera or None, why not), called only when the fit needs one. A callable
        `frame` raising ValueError gives an invalid result with its message (a malformed
        message); the previous frame is then kept. `depth` (with odometry): this frame's
        depth image registered to it (float metres, or 16-bit in the OdometryConfig's
        depth_scale units), None, or a callable returning (depth or None, why not[, stamp]);
        `depth_stamp` (ns) where the depth image's stamp is not the frame's.
        """
        t0 = time.perf_counter()
        out = FrameResult(stamp=stamp, tag=tag)
        self._camera = None  # this frame's, once its fit has one (the odometry's too)
        try:
            current = frame() if callable(frame) else frame
        except ValueError as err:
            out.reason = str(err)
            return self._count(out)
        out.points = self.matcher.points(current)
        previous, self.previous = self.previous, (stamp, tag, current)
        self._previous_stamp = None if previous is None else previous[0]
        if previous is None:
            out.reason = 'first frame: nothing to match yet'
        else:
            out.previous_tag = previous[1]
            out.previous_points = self.matcher.points(previous[2])
            n0, n1 = len(out.previous_points), len(out.points)
            if stamp <= previous[0]:
                out.reason = (f'stamp does not increase ({previous[0]} ns -> {stamp} ns): '
                              'previous frame dropped')
                # A replayed stream (a bag's loop) repeats stamps: nothing keyed by them holds.
                self._normalised.clear()
                self.keyframe = None
            elif n0 == 0 or n1 == 0:
                out.reason = f'empty frame ({n0} previous, {n1} current keypoints)'
            else:
                try:
                    out.reason = self._match(previous, current, camera, out)
                except Exception as err:  # one bad frame must not end the stream
                    out.reason = f'matching failed: {type(err).__name__}: {err}'
                    self._error(out.reason)
        t1 = time.perf_counter()
        try:
            ids, ages = self._track(out, previous, current)
            t2 = time.perf_counter()
            if self._keyframes():
                self._keyframe_motion(out, previous, current, ids)
        except Exception as err:  # start the tracks anew rather than stop
            out.reason = f'tracking failed: {type(err).__name__}: {err}'
            self._error(out.reason)
            self._restart_tracks()
            self.keyframe = None
            ids, ages = self.tracker.update(len(out.points), keypoints=out.points,
                                            scores=current.scores)
            t2 = time.perf_counter()
        self.previous_ids = ids
        out.track_ids, out.track_ages = ids, ages
        t3 = time.perf_counter()
        out.timings.update(match_fit=(t1 - t0) * 1e3, tracks=(t2 - t1) * 1e3,
                           keyframe=(t3 - t2) * 1e3)
        if self.odometry is not None and out.points is not None:
            self._odometry(out, camera, depth, depth_stamp)
        return self._count(out)

    def _odometry(self, out, camera, depth, depth_stamp):
        """Measure the frame's metric pose from the odometry's reference (its tracks)."""
        if self._config.geometry == 'homography':
            out.odometry = self.odometry.skip(out.stamp, 'odometry needs geometry essential '
                                              'or fundamental (their inliers carry the tracks)')
            return
        if self._camera is not None:
            camera = self._camera
        elif callable(camera):
            camera, _ = camera()
        try:
            # Undistorted once a frame: the essential fit's, where it ran with this camera.
            xy = None if camera is None else self._normal(camera, out.stamp, out.points)
            out.odometry = self.odometry.update(out.stamp, out.points, camera, out.track_ids,
                                                depth, out.tag, depth_stamp, normalised=xy)
        except Exception as err:  # one bad depth image must not end the stream
            why = f'odometry failed: {type(err).__name__}: {err}'
            self._error(why)
            self.odometry.restart()
            out.odometry = self.odometry.skip(out.stamp, why)
        out.timings['odometry'] = out.odometry.ms

    def _count(self, out):
        self.counts['frames'] += 1
        self.counts['valid' if out.valid else 'invalid'] += 1
        self.counts['camera_missing'] += out.camera_missing
        self.counts['undistorted'] += out.undistorted
        self.counts['keyframes'] += out.keyframe
        return out

    def _error(self, text):
        if self.log is not None:
            self.log.error(text)

    def _match(self, previous, current, camera, out):
        """Fill `out` with matches and the fitted geometry; return '' or why not valid."""
        try:
            matches = self._match_tracked(previous[2], current)
        except ValueError as err:  # frames that cannot be matched (e.g. the model switched)
            return str(err)
        out.pairs, out.scores = matches.pairs, matches.scores
        out.inliers = np.zeros(len(matches), np.uint8)
        reason = self._fit(matches.points0, matches.points1, camera, out,
                           lambda cam: (self._normal(cam, previous[0], out.previous_points)
                                        [matches.pairs[:, 0]],
                                        self._normal(cam, out.stamp, out.points)
                                        [matches.pairs[:, 1]]))
        if reason or self._fitted.rotation is None:
            return reason
        if not self._keyframes():
            out.motion, out.motion_reference = self._fitted, previous[1]
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

    def _inliers_only(self):
        """
        Return whether this frame's frame-to-frame essential fit gives its inliers only.

        So it is when the motion is fitted against a keyframe older than the previous frame
        (with PoseLib, once, in _keyframe_motion): the matches' inliers and the tracks then
        come from the cheaper INLIERS_ONLY_ESTIMATOR at the same threshold.
        """
        return (self._keyframes() and self.keyframe is not None
                and self._config.estimator() == 'poselib'
                and self.keyframe.stamp != self._previous_stamp)

    def _normal(self, camera, stamp, points):
        """
        Return a frame's points undistorted and normalised, each frame once per camera.

        A frame is the current one, then the previous, maybe the keyframe: its points were
        undistorted up to four times a frame (a fifth of the essential path's cost).
        """
        cached = self._normalised.get(stamp)
        if cached is None or not cached[0].same_as(camera):
            cached = self._normalised[stamp] = (camera, camera.normalised(points))
            keep = {stamp, self._previous_stamp, self.keyframe and self.keyframe.stamp}
            for old in set(self._normalised) - keep:
                del self._normalised[old]
        return cached[1]

    def _fit(self, p0, p1, camera, out, normalise=None):
        """
        Fit the geometry of matched points into `out`; return '' or why not valid.

        `normalise(camera)` returns the pairs' normalised coordinates (essential).
        """
        cfg, kind, n = self._config, self._config.geometry, len(p0)
        self._fitted, self._points, self._camera = None, (p0, p1), None
        need = geometry.MIN_POINTS[kind]
        if n < need:
            return f'{n} matches, a {kind} needs {need}'
        if kind == 'essential' or cfg.undistort:
            problem = 'no camera given'
            if callable(camera):
                camera, problem = camera()
            if camera is None:
                out.camera_missing = True
                if kind == 'essential':
                    return f'essential needs camera_info: {problem}'
                # undistort without a camera: fit on the raw pixels (undistorted false)
        else:
            camera = None
        robust, pose = cfg.robust(), True
        if self._inliers_only():
            robust, pose = (INLIERS_ONLY_ESTIMATOR,) + robust[1:], False
        self._camera = camera
        if kind == 'essential':  # normalised once: the keyframe step reuses them
            out.undistorted = True
            self._points = (normalise(camera) if normalise
                            else (camera.normalised(p0), camera.normalised(p1)))
            fit = (None if pose else self._refined(camera)) or geometry.fit(
                kind, *self._points, *robust, camera.focal, pose=pose)
            if fit is not None and fit.rotation is not None:
                self._prior = fit
        elif camera is not None:
            out.undistorted = True
            fit = geometry.fit_calibrated(kind, camera, p0, p1, *robust)
        else:
            fit = geometry.fit(kind, p0, p1, *robust)
        if fit is None:
            return f'no {kind} found from {n} matches'
        out.inliers = np.asarray(fit.inliers, np.uint8)
        if fit.num_inliers < cfg.min_inliers:
            return (f'only {fit.num_inliers} of {n} matches fit a {kind} '
                    f'(min_inliers {cfg.min_inliers})')
        out.matrix = fit.matrix
        self._fitted = fit
        return ''

    def _refined(self, camera):
        """
        Return the frame-to-frame essential fit refined from the last one, or None.

        As the keyframe's (_from_keyframe): motion changes little in a frame, so the pose of
        the frame before, refined on this frame's pairs, is the fit without sampling; None
        (sample instead) when it explains under half of them or there is none.
        """
        cfg = self._config
        if self._prior is None or cfg.estimator() != 'poselib':
            return None
        from alike_ros.geometry.poselib_fit import refine_essential
        return refine_essential(*self._points, self._prior.rotation, self._prior.translation,
                                cfg.threshold(), camera.focal)

    def _track(self, out, previous, current):
        """Return (ids, ages) of the current points: inlier links, then the window pass."""
        points = out.points
        desc = current.descriptors
        if desc is not None and not np.issubdtype(desc.dtype, np.floating):
            desc = None  # binary codes: inlier links only
        if not out.valid:
            return self.tracker.update(len(points), None, None, points, desc, None,
                                       current.scores)
        linked = out.pairs[out.inliers.astype(bool)]
        prediction = None
        if self._config.track_window > 0 and desc is not None:
            if self._config.geometry == 'homography' and not out.undistorted:
                prediction = self._fitted.matrix  # the fit already says where points move
            else:
                prediction = motion_prediction(out.previous_points[linked[:, 0]],
                                               points[linked[:, 1]])
        return self.tracker.update(len(points), out.pairs, out.inliers, points, desc,
                                   prediction, current.scores)

    def _keyframe_motion(self, out, previous, current, ids):
        """
        Measure the motion from the keyframe; move the keyframe on when the view has moved.

        Runs after tracking: a frame's correspondences with the keyframe are its points on
        the keyframe's tracks (shared_tracks), so it needs no second matching. The first frame
        becomes the keyframe; without one (or it was forgotten) the previous frame becomes it.
        A frame whose parallax from the keyframe reaches keyframe_parallax, or that keeps
        fewer than keyframe_min_inlier_ratio of the inliers the keyframe had with the frame
        after it (for that frame: of its matches), becomes the next keyframe; so does one that
        cannot be fitted to it.
        """
        cfg = self._config
        if previous is None:
            self._make_keyframe(out, current, ids)
            return
        if not out.valid or self._fitted is None:
            return
        if self.keyframe is None:
            self.keyframe = Keyframe(previous[0], previous[1], previous[2], self.previous_ids)
            self.counts['keyframes'] += 1
        kf = self.keyframe
        if kf.stamp == previous[0]:
            fit, (xy0, xy1) = self._fitted, self._points
            kf.inliers = fit.num_inliers
            share = fit.num_inliers / max(out.num_matches, 1)
        else:
            fit = None
            k, c = shared_tracks(kf.ids, ids)
            if len(k) >= max(geometry.MIN_POINTS['essential'], cfg.min_inliers):
                xy0 = self._normal(self._camera, kf.stamp, self.matcher.points(kf.frame))[k]
                xy1 = self._normal(self._camera, out.stamp, out.points)[c]
                fit = self._from_keyframe(kf, xy0, xy1)
            if fit is None or fit.num_inliers < cfg.min_inliers:
                self._make_keyframe(out, current, ids)
                return
            share = fit.num_inliers / max(kf.inliers or len(k), 1)
        out.motion, out.motion_reference, kf.pose = fit, kf.tag, fit
        mask = fit.inliers.astype(bool)
        parallax = translation_parallax_px(fit.rotation, xy0[mask], xy1[mask], 1.0)
        if is_new_keyframe(np.degrees(parallax), share, cfg.keyframe_parallax,
                           cfg.keyframe_min_inlier_ratio):
            self._make_keyframe(out, current, ids)

    def _from_keyframe(self, kf, xy0, xy1):
        """
        Return the essential Fit of the keyframe's points to the current frame's (tracks).

        Their pairs are links of tracks, each an inlier of a frame-to-frame fit or a window
        continuation: mostly right. Refined from the motion measured for the frame before
        (PoseLib, as a fit's final step) they give the fit's pose without its sampling, at a
        fraction of the cost; sampled as any fit when that explains too few of them.
        """
        cfg, focal = self._config, self._camera.focal
        if kf.pose is not None and cfg.estimator() == 'poselib':
            from alike_ros.geometry.poselib_fit import refine_essential
            fit = refine_essential(xy0, xy1, kf.pose.rotation, kf.pose.translation,
                                   cfg.threshold(), focal)
            if fit is not None:
                return fit
        return geometry.fit('essential', xy0, xy1, *cfg.robust(), focal=focal)

    def _make_keyframe(self, out, current, ids):
        self.keyframe = Keyframe(out.stamp, out.tag, current, ids)
        out.keyframe = True


def run(front, frames, stamps, camera=None):
    """Return the FrameResults of a sequence of Frames (stamps in ns) through `front`."""
    return [front.process(f, s, camera) for f, s in zip(frames, stamps)]


__all__ = ['FrameResult', 'FrontEnd', 'Frame', 'run']
