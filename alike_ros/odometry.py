# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Metric odometry from a registered depth image: tracks with 3D positions, PnP, a pose in odom.

Every tracked keypoint with trustworthy depth (geometry/depth.py: out-of-range and depth-edge
pixels rejected) is lifted to 3D and placed in `odom` with its frame's pose; the PointMap keeps
one position per live track, the running mean of its observations. Each frame's points on
those tracks (the tracks link them: no matching) give 3D-2D pairs, and PnP (PoseLib
LO-RANSAC, refined on all inliers: geometry/pnp.py) the camera's pose in odom: frame to a
local map, so no error is chained from keyframe to keyframe while the tracks live. The frame's
own depths then refine its tracks' positions; a PnP outlier's track starts its point anew
(the tracker continued it to the wrong keypoint).

The depth image is also a surface (geometry/surface.py): a grid of its points joins the
refinement, each pulled onto the reference frame's surface along its normal (point to plane,
as KinectFusion and rtabmap's ICP registration align depth). Thousands of depth points pin the
pose where the keypoints' few hundred pixels leave it loose; the keypoints place the frame
first (the pairing needs a pose within centimetres) and hold what a surface leaves free (a
flat wall lets the camera slide along it). The reference is a frame's depth, kept until a
frame's points pair with it less than `surface_renew` of the reference's own coverage.

Frames: `odom` is the base frame at the first pose; the camera sits at `base_to_camera` (REP
103 axes for base and camera_link; the optical frame turns them to z forward, x right, y
down). Poses go out as base in odom, with covariances (x, y, z, roll, pitch, yaw) in odom's
axes for the pose and base's for the twist (nav_msgs/Odometry). The pose covariance chains
each frame's PnP covariance onto the last (as if every frame were an independent step: an
upper bound for a tracker that measures against a map); the twist's is two frames' fit
covariances over the time between them.

A depth camera not synchronised with the colour camera (a Kinect: TUM's depth stamps lie up to
16 ms off the colour's) sees the scene from where the camera was at the depth's stamp. With
`depth_motion`, that depth is moved into the frame's camera by the share of the motion between
the stamps, at the velocity from the last pose to the keypoints' fit of this frame (the
previous frames' velocity left RPE at 2.90 mm against 1.80 in a rendered room whose camera
changes its tilt every frame): the surface's points, the reference surface's pose, and the
keypoints' depths, each looked up where the point was at the depth's stamp. A map's first
frame is moved when the next frame gives the motion (the map made again from it). In the
rendered room at TUM fr3's 1.5 Hz with depth up to 16 ms off: ATE 5.2-6.4 mm taken as seen
at the frame, 1.3-1.6 mm moved; RPE median 3.8-5.2 and 1.4-2.0 mm (docs/odometry.md).

A frame its tracks cannot place (fewer than odom_min_inliers PnP inliers among the tracked
points with a 3D position: a dark or blurred image, no tracks, no map) is placed by its depth
alone where it can be (`depth_only`): its depth aligned onto the reference surface from the
constant-velocity prediction, taken where that converges, fits, and the scene's shape holds
the camera's position (rtabmap's structural complexity: a wall or a corridor does not).
At 1.5 Hz one lost frame costs a whole step (155 mm at TUM fr3's pace).

Otherwise tracking is lost for that frame, as before any depth arrived. Such a frame's result
says so (`lost`, with the reason); the pose stays the last one, and the map starts again from
that frame's points at that pose, so tracking resumes from the last pose.
"""

from dataclasses import dataclass, field
import time
from typing import NamedTuple

import cv2
import numpy as np

from alike_ros.config import OdometryConfig
from alike_ros.geometry import depth as depth_ops
from alike_ros.geometry import pnp
from alike_ros.geometry import surface as surface_ops
from alike_ros.geometry.tracks import UNTRACKED

# A frame is fitted from the constant-velocity prediction when at least this share of its
# tracked points fit it (else by LO-RANSAC): a prediction that far off is no prediction.
PREDICTION_SHARE = 0.5
# It is refined only where that share lies within this many pnp_threshold of it: on the shared
# 7-Scenes frames at every 1st-5th frame and the rendered room, every prediction that held
# passed this gate, and most that failed did not.
PREDICTION_GATE = 4.0
# LO-RANSAC samples and scores at most this many of a frame's pairs (the refinement that
# follows takes them all): a textured view tracks 500-600, and RANSAC on all cost 0.8 ms
# median a frame that needs it, 0.4 ms on 128: ATE and RPE the same to 0.01 mm at every
# rate measured (docs/odometry.md).
RANSAC_PAIRS = 128
# The depth surface's pairs farther apart than this (metres) are not the same surface: the
# keypoints place a frame within millimetres, so a pair this far off is another object.
SURFACE_PAIR_DISTANCE = 0.1
# A frame's depth makes a reference surface only with normals in at least this share of its
# grid's cells: an empty or nearly empty depth image (a view past depth_max, a lens cap)
# would leave nothing to pair with, so the last reference stays.
SURFACE_MIN_SHARE = 0.05
# A depth image stamped within this of its frame (seconds) is taken as synchronised: a
# camera's own registered depth, or one copied to the colour's stamp, is not moved.
DEPTH_SYNCHRONOUS_S = 1e-4
# A frame the keypoints cannot place is placed by its depth alone (depth_only) only where at
# least this share of its depth points end within 3 sigma of the reference surface, and
# where their normals' structural complexity (surface_ops.complexity, after rtabmap's
# Icp/PointToPlaneMinComplexity) is at least DEPTH_ONLY_COMPLEXITY: a wall, or two walls and
# a strip of floor (the rendered room: 0.010-0.013; its alignments slid 105-162 mm along the
# walls' corner), let the camera slide along them; the 7-Scenes office's 0.115 does not.
DEPTH_ONLY_SHARE = 0.5
DEPTH_ONLY_COMPLEXITY = 0.02
# The covariance a lost frame's pose and twist carry (rtabmap's BAD_COVARIANCE).
LOST_VARIANCE = 9999.0
# camera_link (REP 103: x forward, y left, z up) <- optical (z forward, x right, y down).
LINK_FROM_OPTICAL = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])


def transform(rotation=None, translation=None):
    """Return a 4 x 4 rigid transform."""
    out = np.eye(4)
    if rotation is not None:
        out[:3, :3] = rotation
    if translation is not None:
        out[:3, 3] = np.asarray(translation, np.float64).reshape(3)
    return out


def invert(T):
    """Return the inverse of a rigid transform."""
    R, t = T[:3, :3], T[:3, 3]
    return transform(R.T, -R.T @ t)


def rpy_matrix(roll, pitch, yaw):
    """Return the rotation of fixed-axis roll, pitch, yaw (Rz(yaw) Ry(pitch) Rx(roll))."""
    cr, sr, cp, sp, cy, sy = (np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch),
                              np.cos(yaw), np.sin(yaw))
    return np.array([[cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
                     [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
                     [-sp, cp * sr, cp * cr]])


def base_from_optical(x=0.0, y=0.0, z=0.0, roll=0.0, pitch=0.0, yaw=0.0):
    """Return T_base_optical of camera_link at (x, y, z, roll, pitch, yaw) in the base frame."""
    return transform(rpy_matrix(roll, pitch, yaw) @ LINK_FROM_OPTICAL, (x, y, z))


def adjoint(T):
    """Return the 6 x 6 adjoint of T for (translation, rotation) perturbations."""
    R, t = T[:3, :3], T[:3, 3]
    tx = np.array([[0, -t[2], t[1]], [t[2], 0, -t[0]], [-t[1], t[0], 0]])
    out = np.zeros((6, 6))
    out[:3, :3], out[:3, 3:], out[3:, 3:] = R, tx @ R, R
    return out


def rotate_covariance(R, cov):
    """Return a (translation, rotation) covariance expressed in axes rotated by R."""
    B = np.zeros((6, 6))
    B[:3, :3] = B[3:, 3:] = R
    return B @ cov @ B.T


def motion_over(step, step_s, dt):
    """
    Return T_frame_depth: the camera's motion over `dt` seconds at constant velocity.

    `step` maps the previous camera's points into the current one's (T_cur^-1 T_prev), taken
    over `step_s` seconds; the result maps points seen `dt` seconds after a frame into that
    frame's camera (a fraction of the step, rotation and translation scaled alike: exact to
    the second order for the few milliseconds a depth camera is off).
    """
    forward = invert(step)  # T_prev^-1 T_cur: the previous camera's motion to the current
    share = dt / step_s
    rotvec, _ = cv2.Rodrigues(forward[:3, :3])
    return transform(cv2.Rodrigues(rotvec * share)[0], forward[:3, 3] * share)


def _into_frame(points, T_frame_depth):
    """Return camera points seen at a depth image's stamp in the frame's camera (None: as seen)."""
    if T_frame_depth is None:
        return points
    return points @ T_frame_depth[:3, :3].T + T_frame_depth[:3, 3]


def rotation_deg(R):
    """Return the angle of a rotation matrix in degrees."""
    return float(np.degrees(np.arccos(np.clip((np.trace(R) - 1) / 2, -1.0, 1.0))))


def lost_covariance():
    """Return the 6 x 6 covariance of a pose or twist that is not known."""
    return np.eye(6) * LOST_VARIANCE


class PointMap:
    """
    The 3D points of the live tracks, in odom: each the running mean of its lifted depths.

    Keyed by track id (sorted), so a frame's points find theirs without matching. A point's
    first depth places it; later depths of the same track, each lifted with its frame's pose,
    average its position (depth noise and a registration off by pixels average out). A
    track that disappears from the frame leaves the map.
    """

    def __init__(self):
        self.ids = np.zeros(0, np.uint64)
        self.sum = np.zeros((0, 3))
        self.count = np.zeros(0, np.int64)

    def __len__(self):
        return len(self.ids)

    def find(self, ids):
        """Return (indices into ids, map rows) of the ids the map has."""
        ids = np.asarray(ids, np.uint64)
        if not len(self.ids) or not len(ids):
            return np.zeros(0, np.intp), np.zeros(0, np.intp)
        rows = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        found = np.flatnonzero((self.ids[rows] == ids) & (ids != UNTRACKED))
        return found, rows[found]

    def points(self, rows):
        """Return the positions (K x 3) of map rows."""
        return self.sum[rows] / self.count[rows, None]

    def update(self, ids, world, replace):
        """
        Keep the tracks in `ids` only; add the observations `world` (K x 3, NaN: none).

        `replace` (K flags): observations that start their point anew (a track whose point
        no longer fits: a wrong continuation) instead of adding to it.
        """
        ids = np.asarray(ids, np.uint64)
        observed = np.isfinite(world[:, 2]) & (ids != UNTRACKED)
        found, rows = self.find(ids)
        keep = np.zeros(len(self.ids), bool)
        keep[rows] = True
        add = np.zeros(len(ids), bool)
        add[found] = True
        new = observed & ~add
        at = found[observed[found]]
        r = rows[observed[found]]
        fresh = replace[at]
        self.sum[r[fresh]], self.count[r[fresh]] = world[at[fresh]], 1
        self.sum[r[~fresh]] += world[at[~fresh]]
        self.count[r[~fresh]] += 1
        ids_all = np.concatenate([self.ids[keep], ids[new]])
        sums = np.concatenate([self.sum[keep], world[new]])
        counts = np.concatenate([self.count[keep], np.ones(np.count_nonzero(new), np.int64)])
        order = np.argsort(ids_all, kind='stable')
        self.ids, self.sum, self.count = ids_all[order], sums[order], counts[order]


@dataclass
class OdometryResult:
    """One frame's odometry: the base's pose in odom, its twist, or why tracking is lost."""

    stamp: int
    status: str  # 'tracking', 'depth_only' (placed by its depth alone), 'started' (the map
    # starts: the first pose) or 'lost'
    reason: str = ''  # why lost
    pose: np.ndarray = field(default_factory=lambda: np.eye(4))  # T_odom_base
    covariance: np.ndarray = field(default_factory=lost_covariance)  # odom axes
    twist: np.ndarray = field(default_factory=lambda: np.zeros(6))  # v, w in base axes
    twist_covariance: np.ndarray = field(default_factory=lost_covariance)
    camera_pose: np.ndarray = field(default_factory=lambda: np.eye(4))  # T_odom_optical
    correspondences: int = 0  # tracked points with a 3D position in this frame
    inliers: int = 0
    rms_px: float = 0.0
    tag: object = None  # what the caller passed with this frame
    ms: float = 0.0  # time this step took

    @property
    def lost(self):
        """Return whether this frame has no measured pose."""
        return self.status == 'lost'


class DepthFrame(NamedTuple):
    """A frame's depth image as the odometry uses it."""

    image: object  # the depth image (None: none)
    z: object  # the keypoints' depths at their pixels (metres, NaN: none), or None
    scale: object  # metres a unit of the image (None: no image)
    offset: object  # seconds the image lies off the frame, where it is moved (None: not)


class FirstFrame(NamedTuple):
    """A map's first frame, whose depth waits for the next frame's motion to be moved."""

    depth: DepthFrame
    xy: np.ndarray  # its keypoints, normalised
    ids: np.ndarray
    camera: object


class Odometry:
    """
    The odometry of one camera stream: the tracks' 3D map, the pose, covariance, counters.

    `config` is an OdometryConfig (live: assign a new one). `update` takes one frame.
    """

    def __init__(self, config=None):
        self.config = (config or OdometryConfig()).validated()
        self.counts = {'odom_frames': 0, 'odom_lost': 0, 'odom_restarts': 0,
                       'odom_depth_only': 0, 'depth_missing': 0, 'surface_refused': 0}
        self._grid_of = None  # ((depth shape, surface_points), surface_ops.Grid) of the last frame
        self.reset()

    @property
    def config(self):
        """Return the live OdometryConfig."""
        return self._config

    @config.setter
    def config(self, config):
        self._config = config.validated()
        self.base_camera = base_from_optical(*self._config.base_to_camera)
        self.camera_base = invert(self.base_camera)

    def reset(self, pose=None):
        """Start again at `pose` (T_odom_base; default the origin) with the next frame."""
        self.map = PointMap()
        base = np.eye(4) if pose is None else np.asarray(pose, np.float64)
        self.camera_pose = base @ self.base_camera  # T_odom_optical
        self.covariance = np.zeros((6, 6))  # right perturbation, camera axes
        self.last = None  # (stamp, T_odom_base) of the last measured pose
        self.velocity = None  # the last frame-to-frame motion (previous -> current camera)
        self.last_lost_reason = ''
        self.surface = None  # surface_ops.Surface of the reference depth frame
        self.pose_stamp = None  # the stamp of the frame camera_pose is (the map's last)
        self._unmoved = None  # a map's first frame whose depth waits for a motion to move it

    def restart(self):
        """Start a new map from the last pose with the next frame (after a failure)."""
        self.map = PointMap()
        self.last = self.velocity = self.surface = self.pose_stamp = self._unmoved = None

    def update(self, stamp, points, camera, ids, depth=None, tag=None, depth_stamp=None,
               normalised=None):
        """
        Return the OdometryResult of one frame.

        `points` N x 2 pixels, `camera` a geometry.camera.Camera (None: lost), `ids` the
        points' track ids (0: none), `depth` this frame's depth image (float metres, or
        16-bit in depth_scale units a metre), None, or a callable returning (depth or None,
        why not) or (depth or None, why not, its stamp). `depth_stamp`: the depth image's
        stamp (ns) where it is not the frame's (an unsynchronised depth camera).
        `normalised`: the points' camera.normalised, where the caller has them.
        """
        t0 = time.perf_counter()
        out = self._update(stamp, np.asarray(points, np.float64).reshape(-1, 2), camera,
                           np.asarray(ids, np.uint64), depth, tag, depth_stamp, normalised)
        self.counts['odom_frames'] += 1
        if out.lost:
            self.counts['odom_lost'] += 1
            self.last_lost_reason = out.reason
        out.ms = (time.perf_counter() - t0) * 1e3
        return out

    def skip(self, stamp, reason):
        """Return (and count) the lost result of a frame that cannot be measured at all."""
        out = self._lost(stamp, reason)
        self.counts['odom_frames'] += 1
        self.counts['odom_lost'] += 1
        self.last_lost_reason = reason
        return out

    def _update(self, stamp, points, camera, ids, depth, tag, depth_stamp, xy):
        if camera is None:
            return self._lost(stamp, 'no camera_info for this frame')
        cfg = self._config
        got = depth() if callable(depth) else (depth, 'no depth image given')
        image, why = got[:2]
        depth_stamp = got[2] if len(got) > 2 else depth_stamp
        z = grid = scale = None
        unmoved, self._unmoved = self._unmoved, None
        if xy is None:  # once: the fit's pixels and the lifted points
            xy = camera.normalised(points)
        if image is not None:
            scale = 1.0 if np.issubdtype(image.dtype, np.floating) else 1.0 / cfg.depth_scale
            z = depth_ops.keypoint_depth(image, points, (camera.width, camera.height),
                                         cfg.depth_min, cfg.depth_max, cfg.depth_edge, scale)
            grid = self._grid(image, camera, scale)
        else:
            self.counts['depth_missing'] += 1
            why = f'no depth for this frame: {why}'
        seen = DepthFrame(image, z, scale, self._depth_offset(stamp, depth_stamp))
        fit, at, z, moved, unmoved = self._place(stamp, ids, xy, camera, seen, grid, unmoved)
        started = not len(self.map)
        if started or not self._holds(fit):
            placed = self._depth_only(stamp, grid, seen, unmoved)
            if placed is not None:
                return self._place_by_depth(stamp, *placed, xy, ids, camera, seen, grid, tag,
                                            len(at))
            # Start (again) from the last pose: this frame's points make the map.
            why = self._start_map(xy, ids, seen.z, why)
            if not started:
                found = 0 if fit is None else fit.num_inliers
                why = (f'{found} PnP inliers of {len(at)} tracked points with a 3D position '
                       f'(odom_min_inliers {cfg.odom_min_inliers})')
            self.counts['odom_restarts'] += bool(len(self.map))
            self.surface = None  # the old one is off by the motion during the loss
            # The pose stays the last: no motion to move the depth by until the next frame.
            self._new_surface(grid)
            self.pose_stamp = stamp
            if seen.offset is not None and image is not None:
                self._unmoved = FirstFrame(seen, xy, ids, camera)
            if why or not started:
                return self._lost(stamp, why, len(at))
            return self._result(stamp, 'started', tag)
        self._advance(stamp, fit)
        outliers = np.zeros(len(ids), bool)
        outliers[at[~fit.inliers]] = True
        self._observe(xy, ids, z, outliers, why)
        self._renew_surface(grid, fit, moved)
        out = self._result(stamp, 'tracking', tag, fit)
        out.correspondences = len(at)
        return out

    def _advance(self, stamp, fit):
        """Take a frame's fit (PnPFit) as the pose: velocity and chained covariance with it."""
        cur_from_odom = fit.matrix()
        previous = invert(self.camera_pose)  # odom -> previous camera
        self.camera_pose = invert(cur_from_odom)
        self.pose_stamp = stamp
        step = cur_from_odom @ invert(previous)  # previous camera -> current camera
        self.velocity = step
        A = adjoint(step)
        self.covariance = A @ self.covariance @ A.T + fit.covariance

    def _renew_surface(self, grid, fit, moved):
        """
        Make this frame the reference surface where needed.

        Where there is none, where the surface was refused (this frame starts one at the
        keypoints' pose) or where the frames moved on from it (its points paired less than
        surface_renew of the reference's own coverage).
        """
        if grid is not None and (self.surface is None or fit.surface_share is None
                                 or fit.surface_share
                                 < self._config.surface_renew * self.surface.coverage):
            self._new_surface(grid, moved)

    def _start_map(self, xy, ids, z, why=''):
        """Start the map again from a frame's points at the current pose (_observe's why)."""
        self.map = PointMap()
        return self._observe(xy, ids, z, np.zeros(len(ids), bool), why)

    def _place(self, stamp, ids, xy, camera, seen, grid, unmoved):
        """
        Return (fit or None, at, depths, T_frame_depth or None, unmoved): this frame placed.

        The keypoints' fit; then, with a depth image off the frame's stamp, its motion (where
        the fit holds) moves the map's first frame (`unmoved`, once: then fitted again; None
        is returned for it once moved) and this frame's depths; then the depth surface's
        alignment.
        """
        cfg = self._config
        for _ in range(2):  # a second time only after the map's first frame moved
            at, rows = self.map.find(ids)
            if len(at) < cfg.odom_min_inliers:
                return None, at, seen.z, None, unmoved
            pixels, mapped = camera.ideal_pixels(xy[at]), self.map.points(rows)
            aligning = grid is not None and self.surface is not None
            fit = self._fit(pixels, mapped, camera, None if seen.z is None else seen.z[at],
                            aligning)
            if fit is None or unmoved is None or not self._move_first(unmoved, stamp, fit):
                break
            unmoved = None
        if fit is None:
            return None, at, seen.z, None, unmoved
        z, moved = seen.z, None
        if seen.image is not None:
            # The keypoints' fit gives this frame's motion: a depth taken off its stamp moves
            # by the share of it in between.
            moved = self._fit_motion(stamp, seen.offset, fit)
            if moved is not None:
                z = self._moved_depths(seen, xy, camera, moved)
                if not aligning:  # the fit's depths were the unmoved ones
                    fit = pnp.refine(fit.matrix(), pixels, mapped, camera.K,
                                     **self._refine_args(z[at])) or fit
        if aligning:
            fit = self._align(fit, pixels, mapped, camera, grid, z[at], moved)
        return fit, at, z, moved, unmoved

    def _holds(self, fit):
        """Return whether a fit places the frame: at least odom_min_inliers inliers."""
        return fit is not None and fit.num_inliers >= self._config.odom_min_inliers

    def _refine_args(self, z):
        cfg = self._config
        return dict(threshold=cfg.pnp_threshold, depths=z, depth_noise=cfg.depth_noise)

    def _fit(self, pixels, mapped, camera, z, aligning):
        """
        Return the keypoints' PnPFit of the tracked points' pixels and 3D positions, or None.

        From the constant-velocity prediction where it holds (most of the pairs fit it), else
        from PoseLib's LO-RANSAC; either way refined on all inliers (with depth: pnp.refine).
        `aligning`: the depth surface refines it next (_align: its joint round is the
        refinement on all inliers, so the keypoints' own is skipped).
        """
        cfg = self._config
        refine = self._refine_args(z)
        # With a surface to align, the keypoints' fit only places the frame and picks its
        # inliers: the joint round refines it (no keypoints-only polish first).
        first = dict(refine, polish=0) if aligning else refine
        fit = None
        if self.velocity is not None:
            predicted = self.velocity @ invert(self.camera_pose)
            errors = pnp.reprojection_errors(predicted, pixels, mapped, camera.K)
            # Refined from the pairs near it: within 2 x pnp_threshold, or where too few are,
            # within PREDICTION_GATE x (a slow camera, a turn: cheaper than RANSAC). A
            # prediction far off for most pairs goes straight to RANSAC.
            for gate in (2.0, PREDICTION_GATE):
                if np.mean(errors < gate * cfg.pnp_threshold) >= PREDICTION_SHARE:
                    fit = pnp.refine(predicted, pixels, mapped, camera.K, gate=gate,
                                     errors=errors, **first)
                    break
            if fit is not None and fit.num_inliers < max(cfg.odom_min_inliers,
                                                         PREDICTION_SHARE * len(pixels)):
                fit = None
        if fit is None:
            # No PoseLib polish: the refinement below does it, with the depths.
            model = pnp.ransac(pixels, mapped, camera, cfg.pnp_threshold, refine_iters=0,
                               sample=RANSAC_PAIRS)
            if model is None:
                return None
            fit = pnp.refine(model[0], pixels, mapped, camera.K, errors=model[2], **first)
        return fit

    def _align(self, fit, pixels, mapped, camera, grid, z, moved):
        """
        Return the keypoints' fit refined with this frame's depth surface against the reference.

        The surface's point-to-plane pairs (geometry/surface.py) join the keypoints' residuals
        at surface_weight. Where the result leaves fewer than odom_min_inliers keypoints
        fitting (the surface pulled the frame where the keypoints say it is not), the
        keypoints' fit stands, counted in `surface_refused`. `z`: the points' depths;
        `moved`: T_frame_depth of a depth image seen off the frame's stamp (None: at it).
        """
        cfg = self._config
        refine = self._refine_args(z)
        points = _into_frame(grid[np.isfinite(grid[..., 2])], moved)
        paired = [0]

        def term(T):
            J, r, zs = surface_ops.point_to_plane(T, points, self.surface,
                                                  SURFACE_PAIR_DISTANCE)
            paired[0] = len(r)  # the last step's pairing, at the pose that step started from
            return J, r, depth_ops.sigma(zs, cfg.depth_noise)
        # The keypoints' rounds are done (fit): straight to the joint one.
        aligned = pnp.refine(fit.matrix(), pixels, mapped, camera.K, surface=term,
                             surface_weight=cfg.surface_weight, iterations=0, **refine)
        if not self._holds(aligned):
            self.counts['surface_refused'] += 1
            # The keypoints' fit was only placed (no polish): refine it on its inliers now,
            # for its pose and its covariance.
            return pnp.refine(fit.matrix(), pixels, mapped, camera.K, iterations=0,
                              **refine) or fit
        aligned.surface_share = paired[0] / max(len(points), 1)
        return aligned

    def _grid(self, image, camera, scale):
        """Return this frame's depth grid (h x w x 3 camera points), or None when off."""
        cfg = self._config
        if not cfg.surface_points or not cfg.surface_weight:
            self.surface = None  # turned on again, it starts from a frame of its own
            return None
        key = (image.shape[:2], cfg.surface_points)
        if (self._grid_of is None or self._grid_of[0] != key
                or not camera.same_as(self._grid_of[1].camera)):
            stride = surface_ops.stride_for(image.shape, cfg.surface_points)
            self._grid_of = (key, surface_ops.grid(camera, image.shape, stride))
        return surface_ops.grid_points(image, self._grid_of[1], cfg.depth_min, cfg.depth_max,
                                       scale)

    def _new_surface(self, grid, moved=None):
        """
        Make this frame's depth grid, at its pose, the reference surface (if it has one).

        `moved`: T_frame_depth of a depth image seen off the frame's stamp (None: at it).
        """
        if grid is None:
            return
        pose = self.camera_pose if moved is None else self.camera_pose @ moved
        made = surface_ops.surface(grid, self._grid_of[1], pose)
        if made.normals >= SURFACE_MIN_SHARE * grid.shape[0] * grid.shape[1]:
            self.surface = made

    def _depth_offset(self, stamp, depth_stamp):
        """Return the seconds a depth image lies off its frame, None where it is not moved."""
        if depth_stamp is None or not self._config.depth_motion:
            return None
        dt = (depth_stamp - stamp) * 1e-9
        return dt if abs(dt) >= DEPTH_SYNCHRONOUS_S else None

    def _depth_motion(self, stamp, offset, cur_from_odom):
        """
        Return T_frame_depth of a depth image `offset` seconds off the frame (None: as seen).

        At the velocity from the last pose (camera_pose, at pose_stamp) to `cur_from_odom`
        (this frame's pose, odom -> camera: a fit that holds, or a prediction). Not beyond
        one such step: a shorter one (frames closer together than the depth is off them)
        would multiply its noise.
        """
        if offset is None or not self._config.depth_motion or self.pose_stamp is None:
            return None
        step_s = (stamp - self.pose_stamp) * 1e-9
        if abs(offset) > step_s:
            return None
        step = cur_from_odom @ self.camera_pose  # the last camera -> this frame's
        return motion_over(step, step_s, offset)

    def _fit_motion(self, stamp, offset, fit):
        """Return _depth_motion at the keypoints' `fit` of this frame, None where it fails."""
        return self._depth_motion(stamp, offset, fit.matrix()) if self._holds(fit) else None

    def _depth_only(self, stamp, grid, seen, unmoved):
        """
        Return (alignment, T_frame_depth or None) placing this frame by its depth alone.

        For a frame its keypoints cannot place (a dark, blurred or washed-out image: no
        tracks, too few inliers, no map), with depth_only, a reference surface and a last
        pose: its depth points aligned onto the reference (surface_ops.align) from the
        constant-velocity prediction (the last pose without a velocity). A depth image off
        its frame's stamp, and the reference made by a map's first frame off its own
        (`unmoved`), are moved by the motion this alignment gives, then aligned again. None
        (lost) where it does not converge, ends farther from the prediction than the
        pairing's reach, fits less than DEPTH_ONLY_SHARE of the points, or the scene's shape
        leaves a direction free (DEPTH_ONLY_COMPLEXITY).
        """
        cfg = self._config
        if (not cfg.depth_only or grid is None or self.surface is None
                or self.pose_stamp is None):
            return None
        step = np.eye(4) if self.velocity is None else self.velocity
        predicted = step @ invert(self.camera_pose)
        points = grid[np.isfinite(grid[..., 2])]
        moved = self._depth_motion(stamp, seen.offset, predicted)
        aligned = self._align_depth(predicted, points, moved)
        first = unmoved is not None and unmoved.depth.offset is not None
        if aligned is not None and (seen.offset is not None or first):
            if first:  # the surface, its: seen from where the camera was at its stamp
                by = self._depth_motion(stamp, unmoved.depth.offset, aligned.T)
                if by is not None:
                    self.surface.camera_pose = self.surface.camera_pose @ by
            moved = self._depth_motion(stamp, seen.offset, aligned.T)
            aligned = self._align_depth(aligned.T, points, moved)
        if (aligned is None or not aligned.converged
                or np.linalg.norm((aligned.T @ invert(predicted))[:3, 3])
                > SURFACE_PAIR_DISTANCE
                or aligned.fitting < DEPTH_ONLY_SHARE * len(points)
                or aligned.complexity < DEPTH_ONLY_COMPLEXITY):
            return None
        return aligned, moved

    def _align_depth(self, T, points, moved):
        """Return surface_ops.align of depth points (seen at `moved`) onto the reference."""
        points = _into_frame(points, moved)
        noise = self._config.depth_noise
        return surface_ops.align(T, points, self.surface, SURFACE_PAIR_DISTANCE,
                                 lambda z: depth_ops.sigma(z, noise))

    def _place_by_depth(self, stamp, aligned, moved, xy, ids, camera, seen, grid, tag,
                        correspondences):
        """
        Return the result of a frame placed by its depth alone (_depth_only's).

        Its keypoints start the map again at that pose (the tracks that failed to place it
        hold no trusted point), and it becomes the reference surface where it moved on.
        """
        z = seen.z if moved is None else self._moved_depths(seen, xy, camera, moved)
        fit = pnp.PnPFit(aligned.T[:3, :3], aligned.T[:3, 3], np.zeros(0, bool), 0.0,
                         aligned.covariance(), aligned.paired / aligned.points)
        self._advance(stamp, fit)
        self._start_map(xy, ids, z)
        self.counts['odom_depth_only'] += 1
        self.counts['odom_restarts'] += bool(len(self.map))
        self._renew_surface(grid, fit, moved)
        out = self._result(stamp, 'depth_only', tag, fit)
        out.correspondences = correspondences
        return out

    def _move_first(self, unmoved, stamp, fit):
        """
        Move the depth of the map's first frame, now that this frame's fit gives a motion.

        That frame started the map and the reference surface before any motion was known (the
        map holds its points only): the map is made again from its moved depths, and the
        surface (its, or none: nothing renews it before the next frame) takes the pose its
        depth was seen from. Returns whether anything moved.
        """
        # This frame's step over the time between them, as that frame's velocity.
        moved = self._fit_motion(stamp, unmoved.depth.offset, fit)
        if moved is None:
            return False
        z = self._moved_depths(unmoved.depth, unmoved.xy, unmoved.camera, moved)
        self._start_map(unmoved.xy, unmoved.ids, z)
        if self.surface is not None:
            self.surface.camera_pose = self.surface.camera_pose @ moved
        return True

    def _moved_depths(self, seen, xy, camera, moved):
        """Return the keypoints' depths along their rays of a DepthFrame seen at `moved`."""
        cfg = self._config
        return depth_ops.moved_keypoint_depth(seen.image, xy, seen.z, camera, moved,
                                              cfg.depth_min, cfg.depth_max, cfg.depth_edge,
                                              seen.scale)

    def _observe(self, xy, ids, z, replace, why):
        """Add this frame's points (`xy` normalised, `z` depths) to the map at the current pose."""
        if z is None:
            self.map.update(ids, np.full((len(ids), 3), np.nan), replace)
            return why
        cfg = self._config
        xyz = depth_ops.lift(xy, z)
        world = xyz @ self.camera_pose[:3, :3].T + self.camera_pose[:3, 3]
        self.map.update(ids, world, replace)
        if len(self.map) < cfg.odom_min_inliers:
            return (f'{len(self.map)} tracked keypoints with usable depth, the odometry '
                    f'needs odom_min_inliers {cfg.odom_min_inliers}')
        return ''

    def _base_pose(self):
        return self.camera_pose @ self.camera_base

    def _result(self, stamp, status, tag, fit=None):
        """Return a measured pose: the base in odom, its covariance, the twist since the last."""
        base = self._base_pose()
        to_base = adjoint(self.base_camera)
        cov_base = to_base @ self.covariance @ to_base.T
        out = OdometryResult(stamp, status, pose=base, camera_pose=self.camera_pose.copy(),
                             covariance=rotate_covariance(base[:3, :3], cov_base),
                             tag=tag)
        if fit is not None:
            out.inliers, out.rms_px = fit.num_inliers, fit.rms_px
        if self.last is not None and stamp > self.last[0] and fit is not None:
            dt = (stamp - self.last[0]) * 1e-9
            delta = invert(self.last[1]) @ base
            rotvec, _ = cv2.Rodrigues(delta[:3, :3])
            out.twist = np.r_[delta[:3, 3], rotvec.reshape(3)] / dt
            # Two poses' independent fit errors over dt.
            rel = to_base @ fit.covariance @ to_base.T
            out.twist_covariance = 2.0 * rel / dt ** 2
        self.last = (stamp, base)
        return out

    def _lost(self, stamp, reason, correspondences=0):
        base = self._base_pose()
        self.last = self.velocity = None  # the next twist needs two measured poses
        return OdometryResult(stamp, 'lost', reason, pose=base,
                              camera_pose=self.camera_pose.copy(),
                              correspondences=correspondences)
