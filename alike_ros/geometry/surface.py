# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
A depth image's surface, and point-to-plane residuals of another frame's depth against it.

Keypoints pin a pose through a few hundred pixels; a depth image measures the whole surface
in front of the camera. A depth image on a coarse grid (each cell the mean of a stride x
stride block: a few thousand points, the cost of a few hundred keypoints, and the block's
noise averaged) gives points and normals in its camera's frame; a reference frame's, with its
pose, is the Surface. Another frame's grid points, moved into the reference camera by a pose,
are paired by projection (the grid cell they fall in, through the lens: KinectFusion's
projective association, no search) and each pair gives the distance along the reference
normal. Those residuals join the keypoints' reprojection errors in the pose refinement
(geometry/pnp.py), as rtabmap's visual + ICP registration and KinectFusion's tracking use
them.

Pure functions of arrays: depth in metres or raw units with a scale (0 = none), a Camera for
the calibration, poses as 4 x 4.
"""

from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from alike_ros.geometry import pnp

# A grid cell's normal needs its four neighbours on one surface: a jump larger than this share
# of the depth between grid neighbours is an occlusion edge, not a slope.
EDGE_SHARE = 0.1
# A grid cell's point stands on its block's centre ray: the block needs this share of its
# pixels with depth, so that their mean is nearly the centre's (a half-empty block's mean
# belongs up to stride / 4 off it: 17 mm off a 60-degree slope at 3 m). 7-Scenes: 0.5, 0.75
# and 0.99 gave RPE 1.46, 1.39 and 1.63 mm.
MIN_BLOCK_SHARE = 0.75
# A depth-only alignment (align) takes at most this many point-to-plane steps (rtabmap's
# Icp/Iterations) and has converged when a step moves less than 0.1 mm and 0.01 deg: the
# projective pairing, renewed every step, can leave it hopping between neighbouring cells
# by hundredths of a millimetre for ever.
ALIGN_STEPS = 30
ALIGN_TOLERANCE = (1e-4, np.radians(0.01))
# A step moves at most half the pairing's reach and 2 deg (a trust region): the first pairing
# may miss a wall seen at a grazing angle, and a direction only that wall held would jump by
# decimetres (a box room's reference off by its depth's stamp: 196 mm, then 30 steps without
# converging; with the bound 4 steps). From 100 predictions within 5 cm and 2 deg in the box
# room 91 alignments passed the gates (89 at a quarter of the reach, 92 unbounded), none off.
ALIGN_MAX_STEP = (0.5, np.radians(2.0))  # (share of max_distance, radians)


@dataclass
class Grid:
    """Where a depth image's grid looks: each block's centre ray, and pixel -> cell."""

    rays: np.ndarray  # h x w x 2 normalised (undistorted) rays of the cells' block centres
    to_cell: np.ndarray  # 3 x 3 affine: colour pixel (homogeneous) -> grid cell
    camera: object  # the colour camera's geometry.camera.Camera
    stride: int
    # Work arrays of the depth image's size, reused frame to frame (grid_points): fresh ones
    # cost page faults wherever the allocator has handed the memory back (640 x 480 depth:
    # grid_points 1.3 ms, 0.34 ms reused). So one stream's Grid serves one caller at a time.
    work: dict = field(default_factory=dict, repr=False, compare=False)

    def buffer(self, name, shape, dtype):
        """Return the work array `name` of this shape and type (contents left over)."""
        out = self.work.get(name)
        if out is None or out.shape != shape or out.dtype != dtype:
            out = self.work[name] = np.empty(shape, dtype)
        return out

    @cached_property
    def K(self):
        """Return the pinhole K of the grid (undistorted rays -> cells)."""
        return self.to_cell @ self.camera.K

    @cached_property
    def max_r2(self):
        """Return the squared normalised radius just beyond the grid's widest ray."""
        return 1.1 * float(np.max(np.sum(self.rays ** 2, axis=-1)))

    @cached_property
    def distorted(self):
        """Return whether projecting into the grid needs the lens's distortion."""
        return bool(np.any(self.camera.D))


@dataclass
class Surface:
    """A reference frame's depth on a grid: points and unit normals in its camera's axes."""

    padded: np.ndarray  # ((h + 2) * (w + 2)) x 6: point, normal (NaN: none) per grid cell
    # and a border of empty cells, in the reference camera's frame
    shape: tuple  # (h, w) of the grid
    camera_pose: np.ndarray  # 4 x 4 T_odom_reference
    grid: Grid
    normals: int  # cells with a normal
    coverage: float  # share of its own points with a normal: the most another frame pairs


def stride_for(depth_shape, points):
    """Return the grid step (pixels) that takes about `points` of a depth image's pixels."""
    step = int(round(np.sqrt(depth_shape[0] * depth_shape[1] / max(points, 1))))
    return max(1, min(step, depth_shape[0], depth_shape[1]))  # at least one cell


def grid(camera, depth_shape, stride):
    """
    Return the Grid of a depth image (stride x stride blocks) registered to `camera`.

    `camera` is the colour camera's geometry.camera.Camera; `depth_shape` the depth image's
    (height, width), which may differ from the colour image's (looked up at the scaled pixel).
    """
    height, width = depth_shape[:2]
    sx, sy = camera.width / width, camera.height / height
    # Cell (i, j) is the block of depth pixels [stride i, stride (i + 1)) x [stride j, ...):
    # its centre, (stride - 1) / 2 in, in colour pixels (pixel centres at integers).
    centre = (stride - 1) / 2.0
    u = (np.arange(width // stride) * stride + centre + 0.5) * sx - 0.5
    v = (np.arange(height // stride) * stride + centre + 0.5) * sy - 0.5
    uu, vv = np.meshgrid(u, v)
    rays = camera.normalised(np.stack([uu.ravel(), vv.ravel()], 1)).reshape(len(v), len(u), 2)
    # Colour pixel -> grid cell: the inverse of the above.
    to_cell = np.array([[1.0 / (sx * stride), 0.0, (0.5 / sx - 0.5 - centre) / stride],
                        [0.0, 1.0 / (sy * stride), (0.5 / sy - 0.5 - centre) / stride],
                        [0.0, 0.0, 1.0]])
    return Grid(rays, to_cell, camera, stride)


def grid_points(depth, cells, min_depth, max_depth, scale=1.0):
    """
    Return the h x w x 3 camera-frame points of a depth image's grid (NaN: no depth there).

    Each cell is the mean of its stride x stride block's depths inside [min_depth, max_depth]
    (cv2.resize INTER_AREA): a depth camera's per-pixel noise (a Kinect's: 1.4 cm at 3 m)
    falls by the block's size, and the normals made from the cells with it (measured on a
    synthetic scene with that noise: single pixels 4.3 mm a frame, block means 0.4 mm). No
    point where fewer than MIN_BLOCK_SHARE of the block's pixels have depth, or where their
    spread says the block straddles an occlusion edge (a standard deviation over a quarter
    of EDGE_SHARE of the depth: a jump of EDGE_SHARE has up to half of it). `depth` in
    metres, or in units that `scale` turns into metres (1 / depth_scale for 16-bit).
    """
    h, w = cells.rays.shape[:2]
    stride = cells.stride
    size = (w, h)
    raw = np.asarray(depth)[:h * stride, :w * stride]
    if raw.dtype == np.uint16:  # only the masks and the blocks' sums leave the raw units
        # As keypoint_depth rounds; past 16 bits nothing is in range (OpenCV would wrap it).
        lo = min(max(1, int(np.ceil(min_depth / scale - 1e-6))), 65536)
        hi = min(65535, int(np.floor(max_depth / scale + 1e-6)))
        # 255 where in range
        mask = cv2.inRange(raw, lo, hi, dst=cells.buffer('mask', raw.shape, np.uint8))
        d = cells.buffer('depth', raw.shape, np.float32)
        np.copyto(d, raw)  # the raw units as float32
        # Out of range -> 0 (the raw units are integers: half a unit apart).
        cv2.threshold(d, lo - 0.5, 0, cv2.THRESH_TOZERO, dst=d)
        cv2.threshold(d, hi + 0.5, 0, cv2.THRESH_TOZERO_INV, dst=d)
        n = stride * stride
        if n < 255:
            # The uint8 block mean of a 0/255 mask is round(255 k / n): k comes back exactly.
            share = np.rint(cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
                            * np.float32(n / 255.0)) * np.float32(1.0 / n)
        else:
            share = cv2.resize(mask.astype(np.float32), size,
                               interpolation=cv2.INTER_AREA) / 255.0
    else:
        d = raw.astype(np.float32) * np.float32(scale)
        scale = 1.0
        valid = (d > 0) & (d >= min_depth) & (d <= max_depth)  # NaN: not
        d[~valid] = 0.0
        share = cv2.resize(valid.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    mean = cv2.resize(d, size, interpolation=cv2.INTER_AREA)
    square = cv2.resize(cv2.multiply(d, d, dst=cells.buffer('square', d.shape, np.float32)),
                        size, interpolation=cv2.INTER_AREA)
    with np.errstate(invalid='ignore', divide='ignore'):
        block = mean / share  # the in-range pixels' mean, raw units
        spread = np.sqrt(np.maximum(square / share - block * block, 0.0))
        ok = (share >= MIN_BLOCK_SHARE) & (spread <= EDGE_SHARE / 4 * block)
    z = np.where(ok, block.astype(np.float64) * scale, np.nan)
    out = np.empty(z.shape + (3,))
    out[..., :2] = cells.rays * z[..., None]
    out[..., 2] = z
    return out


def normals(points):
    """
    Return h x w x 3 unit normals of a camera-frame point grid (NaN: none), towards the camera.

    From the central differences of the four neighbours; none at the border, next to a
    missing point, or across an occlusion edge (a jump over EDGE_SHARE of the depth).
    """
    out = np.full(points.shape, np.nan)
    dx = points[1:-1, 2:] - points[1:-1, :-2]
    dy = points[2:, 1:-1] - points[:-2, 1:-1]
    n = np.cross(dx, dy)
    z = points[1:-1, 1:-1, 2]
    jump = np.maximum(np.abs(dx[..., 2]), np.abs(dy[..., 2])) > 2 * EDGE_SHARE * z
    # np.linalg.norm's sum, term by term in its order: its reduction over 3 costs more than
    # the whole of this.
    square = n * n
    length = np.sqrt(square[..., 0] + square[..., 1] + square[..., 2])
    ok = np.isfinite(length) & (length > 0) & ~jump
    n /= np.where(ok, length, 1.0)[..., None]
    n *= np.where(np.einsum('hwi,hwi->hw', n, points[1:-1, 1:-1]) > 0, -1.0, 1.0)[..., None]
    n[~ok] = np.nan
    out[1:-1, 1:-1] = n
    return out


def surface(points, cells, camera_pose):
    """Return the Surface of grid points (h x w x 3, their Grid) seen from T_odom_camera."""
    h, w = points.shape[:2]
    padded = np.full((h + 2, w + 2, 6), np.nan)
    padded[1:-1, 1:-1, :3] = points
    padded[1:-1, 1:-1, 3:] = normals(points)
    padded = padded.reshape(-1, 6)
    has_normal = np.isfinite(padded[:, 3])
    padded[~has_normal] = np.nan
    count = int(has_normal.sum())
    coverage = count / max(np.count_nonzero(np.isfinite(points[..., 2])), 1)
    return Surface(padded, (h, w), np.array(camera_pose, np.float64), cells, count,
                   float(coverage))


def point_to_plane(T, points, ref, max_distance):
    """
    Return (J N x 6, residuals N metres, z N) of camera points against a reference Surface.

    `T` maps odom into the current camera (the pose being refined); `points` (N x 3, finite)
    are the current frame's grid points in its camera frame. Each is moved into the reference
    camera, takes the grid cell it projects into, and pairs with that cell's point when their
    distance is below `max_distance`: residual n . (X - q), J its derivative under a small
    motion exp(eps) of the current camera, eps = (translation, rotation) in its axes
    (T <- exp(eps) T). z: the current points' depths, for their noise.
    """
    # Current camera -> reference camera: T_ref_odom T_odom_cur.
    Rr, tr = ref.camera_pose[:3, :3], ref.camera_pose[:3, 3]
    R, t = T[:3, :3], T[:3, 3]
    A_R = Rr.T @ R.T
    A_t = Rr.T @ (-R.T @ t - tr)
    X = points @ A_R.T + A_t
    h, w = ref.shape
    # The grid cell of each point: its pixel in the grid, rounded, in the table padded by a
    # border of empty cells (anything outside the grid or behind the camera lands there).
    u, v = _cells(X, ref.grid)
    u = np.clip(np.floor(u + 1.5), 0, w + 1, out=u)
    v = np.clip(np.floor(v + 1.5), 0, h + 1, out=v)
    v *= w + 2
    v += u
    # np.take, not fancy indexing: the same rows (the pairing at four fifths of the cost).
    qn = np.take(ref.padded, v.astype(np.intp), axis=0)
    d = X - qn[:, :3]
    with np.errstate(invalid='ignore'):
        keep = np.flatnonzero(np.einsum('ni,ni->n', d, d) < max_distance ** 2)
    qn, d = np.take(qn, keep, axis=0), np.take(d, keep, axis=0)
    r = np.einsum('ni,ni->n', d, qn[:, 3:])
    m = qn[:, 3:] @ A_R  # the normal in the current camera's axes
    p = np.take(points, keep, axis=0)
    J = np.empty((len(r), 6))
    np.negative(m, out=J[:, :3])
    J[:, 3] = m[:, 1] * p[:, 2] - m[:, 2] * p[:, 1]
    J[:, 4] = m[:, 2] * p[:, 0] - m[:, 0] * p[:, 2]
    J[:, 5] = m[:, 0] * p[:, 1] - m[:, 1] * p[:, 0]
    return J, r, p[:, 2]


@dataclass
class Alignment:
    """A pose from depth alone: a frame's points aligned onto a reference surface."""

    T: np.ndarray  # 4 x 4, odom -> current camera
    information: np.ndarray  # 6 x 6 J^T W J of the last pairing at the points' sigmas
    paired: int  # points paired with the reference at T
    fitting: int  # of them within 3 sigma of its surface
    points: int  # the frame's points given
    converged: bool  # the last step moved less than ALIGN_TOLERANCE
    complexity: float  # the fitting pairs' normals' spread in their least direction

    def covariance(self):
        """Return the 6 x 6 covariance of the pose, (translation, rotation) in its axes."""
        return pnp.covariance_of(self.information)


def complexity(normals):
    """
    Return the structural complexity of unit normals (N x 3): their least spread direction.

    The smallest eigenvalue of their second moment, after rtabmap's point-to-plane complexity
    (its own statistic, a PCA of the normals and as many zeros, reads on another scale): 0
    for one plane or two (the camera may slide along their corner), about 0.01 for two walls
    and a strip of floor, 1/3 for normals facing every way. It sees translations only: a
    round room would leave its yaw free unseen.
    """
    if not len(normals):
        return 0.0
    return float(np.linalg.eigvalsh(normals.T @ normals / len(normals))[0])


def align(T, points, ref, max_distance, sigma, steps=ALIGN_STEPS):
    """
    Return the Alignment of camera points onto a reference Surface from pose T, or None.

    Depth alone, for a frame without keypoints to place it: point-to-plane Gauss-Newton
    (KinectFusion's ICP), each step pairing anew by projection, Huber-weighted at the points'
    sigma (`sigma`: a callable of their depths), each step kept within ALIGN_MAX_STEP. `T`
    maps odom into the current camera (a prediction within centimetres: the pairing's reach
    is `max_distance`). The information and complexity are the pairs' within 3 sigma at the
    end. None when fewer than 6 points pair.
    """
    converged = False
    for _ in range(steps):
        J, r, z = point_to_plane(T, points, ref, max_distance)
        if len(r) < 6:
            return None
        s = sigma(z)
        Jw = J * (pnp.huber(np.abs(r) / s) / s ** 2)[:, None]
        try:
            # A noiseless plane's free directions get no step (min-norm); a noisy one's weak
            # direction is bounded below and refused by the complexity gate (Odometry).
            step = -np.linalg.lstsq(Jw.T @ J, Jw.T @ r, rcond=None)[0]
        except np.linalg.LinAlgError:
            return None
        shrink = max(1.0, np.linalg.norm(step[:3]) / (ALIGN_MAX_STEP[0] * max_distance),
                     np.linalg.norm(step[3:]) / ALIGN_MAX_STEP[1])
        step = step / shrink
        T = pnp.exp(step) @ T
        if (np.abs(step[:3]).max() < ALIGN_TOLERANCE[0]
                and np.abs(step[3:]).max() < ALIGN_TOLERANCE[1]):
            converged = True
            break
    J, r, z = point_to_plane(T, points, ref, max_distance)
    s = sigma(z)
    fit = np.abs(r) < 3 * s
    if np.count_nonzero(fit) < 6:
        return None
    J, s = J[fit], s[fit]
    Jw = J / (s ** 2)[:, None]
    # The rows' translation part is minus the reference normal in the current camera's axes.
    return Alignment(T, Jw.T @ J, len(r), int(np.count_nonzero(fit)), len(points), converged,
                     complexity(-J[:, :3]))


def _cells(X, cells):
    """
    Return the grid cell coordinates (u, v) of reference-camera points X (N x 3).

    Through the lens's distortion where it has any. Behind the camera: far outside the grid
    (or, on the axis, a cell whose point is not within reach).
    """
    if cells.distorted:
        pixels = cells.camera.project(X)
        with np.errstate(invalid='ignore', divide='ignore'):
            r2 = (X[:, 0] ** 2 + X[:, 1] ** 2) / X[:, 2] ** 2
        # Beyond the grid's widest ray a lens model folds points back into the image.
        outside = ~(X[:, 2] > 1e-9) | ~(r2 <= cells.max_r2) | ~np.isfinite(pixels).all(axis=1)
        pixels[outside] = -1e9
        A = cells.to_cell
        return A[0, 0] * pixels[:, 0] + A[0, 2], A[1, 1] * pixels[:, 1] + A[1, 2]
    uvw = X @ cells.K.T
    z = np.maximum(uvw[:, 2], 1e-9)
    return uvw[:, 0] / z, uvw[:, 1] / z
