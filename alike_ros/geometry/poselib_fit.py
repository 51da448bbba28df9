# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Robust fits with PoseLib: LO-RANSAC over minimal solvers, then non-linear refinement.

essential: the relative pose of a calibrated camera (5-point solver, refined on the inliers
with a Cauchy loss) from undistorted normalised coordinates, handed to PoseLib as the pixels
of a pinhole camera with the camera's focal length, so the threshold is the epipolar error in
pixels (as for OpenCV: geometry.fit_calibrated undistorts with the CameraInfo camera, every
distortion model this package reads); fundamental (7-point) and homography (4-point) on
pixels.
"""

import numpy as np

from alike_ros.geometry import Fit, MIN_POINTS

try:
    import poselib
except ImportError as err:  # the robot's pip set may lack it: say what to install
    raise ImportError('robust_method poselib (the default for essential) needs PoseLib: '
                      '`pip install poselib` (requirements.txt pins the version), or set '
                      'robust_method to an OpenCV one') from err

# LO-RANSAC stops once `confidence` is reached, but not before this many samples. PoseLib's
# own default is 1000; measured on the TUM frames and the synthetic scenes, 20 gives the same
# poses as 100 and 1000, at a third less time than 100 and a fifth of 1000's (docs/motion.md).
MIN_ITERATIONS = 20
# The final refinement of an essential fit on its inliers stops after this many steps (PoseLib:
# 100): from LO-RANSAC's model it moves the pose by under 0.003 deg after 10 (TUM pairs), and
# the steps after that cost a ninth of the fit (docs/motion.md, Cost).
REFINE_ITERATIONS = 10
# refine_essential's second pass starts from its first's pose, on that pose's inliers: this
# many steps give the graph's motions on the TUM frames to the digit of ten's (AUC, rotation,
# direction, tracks) at 0.6 ms a frame less (docs/motion.md, Cost).
REFINE_AGAIN_ITERATIONS = 5
# ... and its first pass, which only has to bring the prior near that pose, runs on every k-th
# gated pair, k = count // this: on the TUM frames the same motions within 0.013 deg rotation
# and AUC@5 +0.007, at 0.4 ms a frame less (docs/motion.md, Cost).
REFINE_FIRST_POINTS = 300


def ransac_options(threshold, confidence, max_iters, key):
    """Return the RansacOptions for a pixel threshold (`key`: which error it bounds)."""
    return {key: float(threshold), 'success_prob': float(confidence),
            'max_iterations': int(max_iters),
            'min_iterations': int(min(MIN_ITERATIONS, max_iters))}


def skew(v):
    """Return the cross-product matrix [v]x."""
    x, y, z = v
    return np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]], np.float64)


def _inliers(info, n):
    mask = np.asarray(info.get('inliers', []), bool).reshape(-1)
    return mask.astype(np.uint8) if mask.size == n else np.zeros(n, np.uint8)


def fit(geometry, pts0, pts1, threshold=1.0, confidence=0.999, max_iters=2000, focal=None):
    """
    Fit a geometry to matched points with PoseLib; None when there is no model.

    As geometry.fit: homography and fundamental take pixels; essential takes normalised
    coordinates and `focal` (pixels), the scale of the pixel `threshold`.
    """
    pts0 = np.asarray(pts0, np.float64).reshape(-1, 2)
    pts1 = np.asarray(pts1, np.float64).reshape(-1, 2)
    n = len(pts0)
    if n < MIN_POINTS[geometry]:
        return None
    if geometry == 'essential':
        if not focal:
            raise ValueError('essential needs the focal length (camera_info)')
        camera = {'model': 'PINHOLE', 'width': 0, 'height': 0,
                  'params': [float(focal), float(focal), 0.0, 0.0]}
        pose, info = poselib.estimate_relative_pose(
            pts0 * focal, pts1 * focal, camera, camera,
            ransac_options(threshold, confidence, max_iters, 'max_epipolar_error'),
            {'max_iterations': REFINE_ITERATIONS})
        inliers = _inliers(info, n)
        translation = np.asarray(pose.t, np.float64).reshape(3)
        norm = np.linalg.norm(translation)
        if inliers.sum() < MIN_POINTS[geometry] or norm == 0:
            return None
        rotation, translation = np.asarray(pose.R, np.float64), translation / norm
        return Fit('essential', skew(translation) @ rotation, inliers, rotation, translation)
    if geometry == 'fundamental':
        matrix, info = poselib.estimate_fundamental(
            pts0, pts1, ransac_options(threshold, confidence, max_iters, 'max_epipolar_error'),
            {})
    elif geometry == 'homography':
        matrix, info = poselib.estimate_homography(
            pts0, pts1, ransac_options(threshold, confidence, max_iters, 'max_reproj_error'), {})
    else:
        raise ValueError(f"geometry must be homography, fundamental or essential, got "
                         f"'{geometry}'")
    inliers = _inliers(info, n)
    if inliers.sum() < MIN_POINTS[geometry]:
        return None
    return Fit(geometry, np.asarray(matrix, np.float64), inliers)


# refine_essential starts from the pairs within this many thresholds of the prior's epipolar
# lines: the motion of the frame before explains only 1-70 % of the next frame's pairs at
# 1.5 px on the TUM frames (the camera moved on), at 12 px most of them (docs/motion.md).
PRIOR_GATE = 8.0


def epipolar_errors_px(xy0, xy1, rotation, translation, focal):
    """Sampson epipolar error (pixels at `focal`) of normalised point pairs under a pose."""
    e = skew(np.asarray(translation, np.float64).reshape(3)) @ np.asarray(rotation, np.float64)
    h0 = np.c_[np.asarray(xy0, np.float64), np.ones(len(xy0))]
    h1 = np.c_[np.asarray(xy1, np.float64), np.ones(len(xy1))]
    ex0, etx1 = h0 @ e.T, h1 @ e
    residual = np.einsum('ij,ij->i', h1, ex0)
    denominator = ex0[:, 0] ** 2 + ex0[:, 1] ** 2 + etx1[:, 0] ** 2 + etx1[:, 1] ** 2
    return focal * np.abs(residual) / np.sqrt(np.maximum(denominator, 1e-30))


def refine_essential(xy0, xy1, rotation, translation, threshold, focal, min_share=0.5):
    """
    Refine a known relative pose on the point pairs it explains; None when it explains few.

    The pairs within PRIOR_GATE x `threshold` pixels of the pose's epipolar lines (every k-th
    of them: REFINE_FIRST_POINTS) are refined on, then the inliers at `threshold` (as the
    final step of a LO-RANSAC fit: the same loss), and the inliers counted again. Worth it
    where the pairs are mostly right already and the pose is near (the motion of the frame
    before from the same keyframe, on the tracks' links): it skips the sampling. None when
    fewer than `min_share` of the pairs are inliers: then sample (fit) instead.
    """
    xy0 = np.asarray(xy0, np.float64).reshape(-1, 2)
    xy1 = np.asarray(xy1, np.float64).reshape(-1, 2)
    n = len(xy0)
    inliers = epipolar_errors_px(xy0, xy1, rotation, translation, focal) <= PRIOR_GATE * threshold
    if inliers.sum() < max(MIN_POINTS['essential'], min_share * n):
        return None
    camera = {'model': 'PINHOLE', 'width': 0, 'height': 0,
              'params': [float(focal), float(focal), 0.0, 0.0]}
    # Twice: on the gated pairs from the prior, then on the inliers of that refinement.
    for steps, points in ((REFINE_ITERATIONS, REFINE_FIRST_POINTS),
                          (REFINE_AGAIN_ITERATIONS, None)):
        use = np.flatnonzero(inliers)
        if points:
            use = use[::max(1, len(use) // points)]
        pose = poselib.CameraPose()
        pose.R, pose.t = np.asarray(rotation, np.float64), np.asarray(translation, np.float64)
        pose, _ = poselib.refine_relative_pose(xy0[use] * focal, xy1[use] * focal,
                                               pose, camera, camera,
                                               {'max_iterations': steps})
        rotation, translation = np.asarray(pose.R, np.float64), np.asarray(pose.t, np.float64)
        norm = np.linalg.norm(translation)
        if norm == 0:
            return None
        translation = translation / norm
        inliers = epipolar_errors_px(xy0, xy1, rotation, translation, focal) <= threshold
        if inliers.sum() < max(MIN_POINTS['essential'], min_share * n):
            return None
    return Fit('essential', skew(translation) @ rotation, inliers.astype(np.uint8), rotation,
               translation)
