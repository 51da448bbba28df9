# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The geometric model of two frames' matches, fitted robustly with OpenCV or PoseLib.

homography (planar scenes, pure rotation), fundamental (any rigid scene, pixels, no
calibration) or essential (calibrated: normalised coordinates), and for essential the relative
pose (cv2.recoverPose: R, and t of unit length, mapping previous-camera points into the
current camera: X_cur = R X_prev + t). robust_method 'poselib' fits with PoseLib's LO-RANSAC and
non-linear refinement (poselib_fit.py) instead of OpenCV.
"""

from dataclasses import dataclass

import cv2
import numpy as np

GEOMETRIES = ('homography', 'fundamental', 'essential')
ROBUST_METHODS = {
    'ransac': cv2.RANSAC,
    'usac_magsac': cv2.USAC_MAGSAC,
    'usac_default': cv2.USAC_DEFAULT,
    'lmeds': cv2.LMEDS,
    'rho': cv2.RHO,
    'poselib': None,  # not OpenCV: poselib_fit.fit
}
MIN_POINTS = {'homography': 4, 'fundamental': 8, 'essential': 5}


@dataclass
class Fit:
    """A robust fit: the 3 x 3 matrix, the inlier mask and, for essential, the pose."""

    geometry: str
    matrix: np.ndarray
    inliers: np.ndarray  # M uint8
    rotation: np.ndarray = None  # 3 x 3 (essential)
    translation: np.ndarray = None  # 3, unit length (essential)

    @property
    def num_inliers(self):
        return int(self.inliers.sum())


def fit(geometry, pts0, pts1, method='ransac', threshold=3.0, confidence=0.999,
        max_iters=2000, focal=None, pose=True):
    """
    Fit a geometry to matched points; None when there are too few points or no model.

    homography and fundamental take pixels; essential takes normalised coordinates and
    `focal` (pixels), which turns the pixel `threshold` into a normalised one. `pose` False
    skips OpenCV's recoverPose (a third of an OpenCV essential fit) when only the inliers
    are wanted: rotation and translation are then None.
    """
    pts0 = np.asarray(pts0, np.float64).reshape(-1, 2)
    pts1 = np.asarray(pts1, np.float64).reshape(-1, 2)
    if len(pts0) < MIN_POINTS[geometry]:
        return None
    if method == 'poselib':
        from alike_ros.geometry import poselib_fit  # imports PoseLib only when asked for
        return poselib_fit.fit(geometry, pts0, pts1, threshold, confidence, max_iters, focal)
    if geometry == 'homography':
        matrix, mask = cv2.findHomography(pts0, pts1, ROBUST_METHODS[method], threshold,
                                          maxIters=max_iters, confidence=confidence)
        if matrix is None or mask is None:
            return None
        return Fit('homography', matrix, mask.reshape(-1).astype(np.uint8))
    if method == 'rho':
        raise ValueError(f'robust_method rho fits homographies only, not {geometry}')
    if geometry == 'fundamental':
        matrix, mask = cv2.findFundamentalMat(pts0, pts1, ROBUST_METHODS[method], threshold,
                                              confidence, max_iters)
        if matrix is None or mask is None or matrix.shape != (3, 3):
            return None
        return Fit('fundamental', matrix, mask.reshape(-1).astype(np.uint8))
    if geometry != 'essential':
        raise ValueError(f"geometry must be one of {', '.join(GEOMETRIES)}, got '{geometry}'")
    if not focal:
        raise ValueError('essential needs the focal length (camera_info)')
    matrix, mask = cv2.findEssentialMat(pts0, pts1, np.eye(3), ROBUST_METHODS[method],
                                        confidence, threshold / focal, max_iters)
    if matrix is None or mask is None:
        return None
    matrix = matrix[:3]  # the first of the solutions the minimal solver may return
    inliers = (mask.reshape(-1) > 0).astype(np.uint8)
    if not pose:
        return Fit('essential', matrix, inliers)
    # recoverPose picks the one of E's four poses that puts the inliers in front of both
    # cameras. Its own mask also drops far points (beyond 50 baselines), which are most of
    # them when the camera barely translates: the inliers stay the robust fit's.
    _, rotation, translation, _ = cv2.recoverPose(matrix, pts0, pts1, np.eye(3),
                                                  mask=mask.copy())
    return Fit('essential', matrix, inliers, rotation, translation.reshape(3))


def fit_calibrated(geometry, camera, pts0, pts1, method='ransac', threshold=3.0,
                   confidence=0.999, max_iters=2000):
    """
    Fit a geometry to pixel points undistorted with `camera` (a camera.Camera).

    essential in normalised coordinates (the pixel threshold scaled by the focal length),
    homography and fundamental in the pixels of the ideal, distortion-free camera.
    """
    if geometry == 'essential':
        return fit(geometry, camera.normalised(pts0), camera.normalised(pts1), method,
                   threshold, confidence, max_iters, camera.focal)
    return fit(geometry, camera.undistorted_pixels(pts0), camera.undistorted_pixels(pts1),
               method, threshold, confidence, max_iters)


def quaternion_xyzw(rotation):
    """Return the unit quaternion (x, y, z, w) of a rotation matrix."""
    vec, _ = cv2.Rodrigues(np.asarray(rotation, np.float64))
    angle = float(np.linalg.norm(vec))
    axis = vec.reshape(3) / angle if angle > 0 else np.zeros(3)
    x, y, z = axis * np.sin(angle / 2)
    return float(x), float(y), float(z), float(np.cos(angle / 2))


def rotation_from_quaternion(x, y, z, w):
    """Return the rotation matrix of a unit quaternion (the inverse of quaternion_xyzw)."""
    axis = np.array([x, y, z], np.float64)
    norm = np.linalg.norm(axis)
    if norm == 0:
        return np.eye(3)
    rotation, _ = cv2.Rodrigues(axis / norm * 2 * np.arctan2(norm, w))
    return rotation


def rotation_angle_deg(rotation):
    """Angle of a rotation matrix, in degrees."""
    cos = (np.trace(rotation) - 1) / 2
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def angle_between_deg(u, v):
    """Angle between two 3-vectors, in degrees."""
    u, v = np.asarray(u, np.float64), np.asarray(v, np.float64)
    cos = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
