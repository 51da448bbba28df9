# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Camera calibration as sensor_msgs/CameraInfo carries it, and keypoints undistorted with it.

OpenCV does the arithmetic: cv2.undistortPoints for plumb_bob (k1 k2 t1 t2 k3) and
rational_polynomial (k1 k2 t1 t2 k3 k4 k5 k6), cv2.fisheye.undistortPoints for equidistant
(k1 k2 k3 k4). Normalised coordinates are (X / Z, Y / Z) in the camera's optical frame.
"""

from dataclasses import dataclass

import cv2
import numpy as np

# CameraInfo's distortion_model names (sensor_msgs/distortion_models.hpp) -> coefficients.
MODELS = {'plumb_bob': 5, 'rational_polynomial': 8, 'equidistant': 4}
_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 50, 1e-12)


def _undistort_points(pts, K, D):
    """cv2.undistortPoints iterated to _CRITERIA."""
    if hasattr(cv2, 'undistortPointsIter'):  # OpenCV 4.5 (Ubuntu 22.04's, Humble's) names it so
        return cv2.undistortPointsIter(pts, K, D, None, None, _CRITERIA)
    return cv2.undistortPoints(pts, K, D, None, None, None, _CRITERIA)


class CalibrationError(ValueError):
    """A CameraInfo this package cannot use, with the reason."""


@dataclass(frozen=True)
class Camera:
    """Intrinsics K (3 x 3), distortion coefficients and model, image size."""

    K: np.ndarray
    D: np.ndarray
    model: str
    width: int
    height: int

    @classmethod
    def from_fields(cls, k, d, model, width, height):
        """
        Build from CameraInfo's fields (k row-major 9, d, distortion_model, width, height).

        Raises CalibrationError with the reason when the calibration cannot be used.
        """
        K = np.asarray(k, np.float64).reshape(-1)
        if K.size != 9 or K[0] <= 0 or K[4] <= 0:
            raise CalibrationError(f'camera_info has no intrinsics (k = {list(K)})')
        D = np.asarray(d, np.float64).reshape(-1)
        model = model or 'plumb_bob'
        if model not in MODELS:
            raise CalibrationError(f"distortion_model '{model}' is not supported: "
                                   f"use {', '.join(MODELS)}")
        if D.size == 0:
            D = np.zeros(MODELS[model])
        if model == 'equidistant' and D.size != 4:
            raise CalibrationError(f'equidistant needs 4 coefficients, got {D.size}')
        if model != 'equidistant' and D.size not in (4, 5, 8, 12, 14):
            raise CalibrationError(f'{model} needs 5 (plumb_bob) or 8 (rational_polynomial) '
                                   f'coefficients, got {D.size}')
        return cls(K.reshape(3, 3), D, model, int(width), int(height))

    @classmethod
    def from_info(cls, info):
        """Build from a dict of CameraInfo's fields (tools.bag.load_camera_info, a bag's)."""
        return cls.from_fields(info['k'], info['d'], info['distortion_model'], info['width'],
                               info['height'])

    @classmethod
    def from_msg(cls, msg):
        """Build from a sensor_msgs/CameraInfo."""
        return cls.from_fields(msg.k, msg.d, msg.distortion_model, msg.width, msg.height)

    def same_as(self, other):
        """Return whether another Camera has the same calibration (one per stream, mostly)."""
        return other is self or (other is not None and self.model == other.model
                                 and (self.width, self.height) == (other.width, other.height)
                                 and np.array_equal(self.K, other.K)
                                 and np.array_equal(self.D, other.D))

    @property
    def focal(self):
        """Return the focal length in pixels (geometric mean of fx and fy)."""
        return float(np.sqrt(self.K[0, 0] * self.K[1, 1]))

    def normalised(self, points):
        """Undistorted normalised coordinates (N x 2 float64) of pixel points (N x 2)."""
        pts = np.asarray(points, np.float64).reshape(-1, 1, 2)
        if len(pts) == 0:
            return np.zeros((0, 2))
        if self.model == 'equidistant':
            out = cv2.fisheye.undistortPoints(pts, self.K, self.D)
        else:
            # Iterate to convergence: OpenCV's default 5 iterations leave ~0.01 px at the
            # corners of a strongly distorted lens (TUM's plumb_bob, measured).
            out = _undistort_points(pts, self.K, self.D)
        return out.reshape(-1, 2)

    def project(self, points3d):
        """Pixels (N x 2 float64) of camera-frame points (N x 3, z > 0), through the lens."""
        X = np.ascontiguousarray(points3d, np.float64).reshape(-1, 3)
        if len(X) == 0:
            return np.zeros((0, 2))
        if self.model != 'equidistant' and self.D.size in (4, 5, 8):
            # OpenCV's model in numpy: cv2.projectPoints also computes its 2N x 15 Jacobian
            # (2.5 ms for 4800 points against 0.15).
            with np.errstate(invalid='ignore', divide='ignore', over='ignore'):
                x, y = X[:, 0] / X[:, 2], X[:, 1] / X[:, 2]
                xx, yy = x * x, y * y
                r2 = xx + yy
                if not self.D.any():
                    # No distortion: what the model gives, bit for bit (NaN where its terms
                    # overflow), for less.
                    K = self.K
                    return np.stack([np.where(np.isfinite(r2 + 2 * xx), K[0, 0] * x + K[0, 2],
                                              np.nan),
                                     np.where(np.isfinite(r2 + 2 * yy), K[1, 1] * y + K[1, 2],
                                              np.nan)], 1)
            k = np.zeros(8)
            k[:self.D.size] = self.D
            k1, k2, p1, p2, k3, k4, k5, k6 = k
            radial = (1 + r2 * (k1 + r2 * (k2 + r2 * k3))) / (1 + r2 * (k4 + r2 * (k5 + r2 * k6)))
            xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
            yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
            K = self.K
            # No skew term: OpenCV's projectPoints and undistortPoints have none either.
            return np.stack([K[0, 0] * xd + K[0, 2], K[1, 1] * yd + K[1, 2]], 1)
        zero = np.zeros(3)
        X = X.reshape(-1, 1, 3)
        if self.model == 'equidistant':
            out, _ = cv2.fisheye.projectPoints(X, zero, zero, self.K, self.D)
        else:
            out, _ = cv2.projectPoints(X, zero, zero, self.K, self.D)
        return out.reshape(-1, 2)

    def undistorted_pixels(self, points):
        """Pixel points of an ideal (distortion-free) camera with the same K (N x 2)."""
        return self.ideal_pixels(self.normalised(points))

    def ideal_pixels(self, xy):
        """Pixels (N x 2) of normalised coordinates through K alone (no lens distortion)."""
        return xy * np.diag(self.K)[:2] + self.K[:2, 2]
