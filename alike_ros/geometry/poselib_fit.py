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
