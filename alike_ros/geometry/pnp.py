# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Absolute pose from 3D points and their pixels (PnP): PoseLib's LO-RANSAC and refinement.

The 3D points are in a reference camera's frame (keypoints lifted with their depth); their
pixels are in the current image. PoseLib samples P3P, refines the best model on its inliers
(LO-RANSAC), then runs a final non-linear refinement on all inliers, and returns the pose that
maps reference points into the current camera: X_cur = R X_ref + t (metres).

The covariance of that pose is the Gauss-Newton one, sigma^2 (J^T J)^-1, of the inliers'
reprojection residuals: J is the Jacobian of their pixels with respect to a small motion of
the current camera, exp(eps) with eps = (translation, rotation) in the current camera's axes,
and sigma^2 the residuals' variance (at least MIN_SIGMA_PX^2). Depth noise enters through the
residuals it causes; the 3D points themselves are taken as exact, so it is a lower bound.
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from alike_ros.geometry.depth import sigma as depth_sigma

MIN_POINTS = 4  # P3P's minimal sample and one to check it
# Pixel noise the covariance assumes at least: keypoints are sub-pixel, not exact.
MIN_SIGMA_PX = 0.3
# Steps of the joint round with a depth surface: each pairs the surface's points anew (as ICP
# does). From the keypoints' pose one is enough: on the 7-Scenes frames (block-mean grid) 1
# step gave RPE 1.32 mm and ATE 6.7 mm, 2 steps 1.39 and 7.0 mm for 0.4 ms more; on the
# synthetic scenes with a Kinect's depth noise the same within 0.3 mm (single-pixel grid: 2
# steps 1.94 mm, 3 steps 2.13).
SURFACE_STEPS = 1


@dataclass
class PnPFit:
    """A PnP pose: X_cur = R X_ref + t, inliers, residuals and the pose's covariance."""

    rotation: np.ndarray  # 3 x 3
    translation: np.ndarray  # 3, metres
    inliers: np.ndarray  # M bool
    rms_px: float  # reprojection RMS of the inliers
    covariance: np.ndarray  # 6 x 6, (translation m, rotation rad) in the current camera's axes
    surface_share: Optional[float] = None  # share of the depth surface's points paired

    @property
    def num_inliers(self):
        """Return the number of inliers."""
        return int(np.count_nonzero(self.inliers))

    def matrix(self):
        """Return the 4 x 4 transform of reference-camera points into the current camera."""
        out = np.eye(4)
        out[:3, :3], out[:3, 3] = self.rotation, self.translation
        return out


def pinhole(camera):
    """Return PoseLib's camera dict of a Camera's K (the pixels PnP takes are undistorted)."""
    K = camera.K
    return {'model': 'PINHOLE', 'width': int(camera.width), 'height': int(camera.height),
            'params': [float(K[0, 0]), float(K[1, 1]), float(K[0, 2]), float(K[1, 2])]}


def estimate(pixels, points3d, camera, threshold=2.0, confidence=0.9999, max_iters=1000,
             refine_iters=25, sample=None):
    """
    Return the PnPFit of undistorted pixels (N x 2) and reference points (N x 3), or None.

    `camera` is a geometry.camera.Camera (its K); `threshold` the inlier reprojection error in
    pixels. None when there are fewer than MIN_POINTS points or inliers. `sample`: RANSAC
    (and PoseLib's refinement) sees at most this many pairs, evenly spaced in their order; the
    inliers are then those of all pairs under its model.
    """
    found = ransac(pixels, points3d, camera, threshold, confidence, max_iters, refine_iters,
                   sample)
    if found is None:
        return None
    T, inliers, _ = found
    pixels = np.asarray(pixels, np.float64).reshape(-1, 2)
    points3d = np.asarray(points3d, np.float64).reshape(-1, 3)
    rotation, translation = T[:3, :3], T[:3, 3]
    cov, rms = covariance(rotation, translation, pixels[inliers], points3d[inliers], camera.K)
    return PnPFit(rotation, translation, inliers, rms, cov)


def ransac(pixels, points3d, camera, threshold=2.0, confidence=0.9999, max_iters=1000,
           refine_iters=25, sample=None):
    """
    Return (4 x 4 model, N inlier flags, N reprojection errors or None) as estimate's, or None.

    The model alone, for a caller that refines it (refine: pass it the errors): no
    covariance. The errors are every pair's under the model where RANSAC saw a sample (its
    inliers are those within `threshold`), None where it saw them all (PoseLib's inliers).
    """
    # PoseLib only when asked for: the matcher without depth must run where it is missing.
    from alike_ros.geometry.poselib_fit import ransac_options  # raises what to install
    import poselib

    pixels = np.ascontiguousarray(pixels, np.float64).reshape(-1, 2)
    points3d = np.ascontiguousarray(points3d, np.float64).reshape(-1, 3)
    if len(pixels) < MIN_POINTS:
        return None
    px, X = pixels, points3d
    if sample is not None and len(pixels) > max(int(sample), MIN_POINTS):
        subset = np.linspace(0, len(pixels) - 1, max(int(sample), MIN_POINTS))
        subset = subset.round().astype(np.intp)
        px, X = pixels[subset], points3d[subset]
    pose, info = poselib.estimate_absolute_pose(
        px, X, pinhole(camera),
        ransac_options(threshold, confidence, max_iters, 'max_reproj_error'),
        {'max_iterations': int(refine_iters)})
    inliers = np.asarray(info.get('inliers', []), bool).reshape(-1)
    if inliers.size != len(px) or inliers.sum() < MIN_POINTS:
        return None
    T = np.eye(4)
    T[:3, :3] = np.asarray(pose.R, np.float64)
    T[:3, 3] = np.asarray(pose.t, np.float64).reshape(3)
    errors = None
    if len(px) < len(pixels):
        errors = reprojection_errors(T, pixels, points3d, camera.K)
        inliers = errors < threshold
        if inliers.sum() < MIN_POINTS:
            return None
    return T, inliers, errors


def _project(X, K):
    """Return the N x 2 pixels of camera-frame points X."""
    z = np.maximum(X[:, 2], 1e-9)
    out = np.empty((len(X), 2))
    out[:, 0] = K[0, 0] * X[:, 0] / z + K[0, 2]
    out[:, 1] = K[1, 1] * X[:, 1] / z + K[1, 2]
    return out


def _projection_jacobian(X, K):
    """Return (N x 2 x 6 Jacobian of the pixels under exp(eps), N x 2 pixels) of points X."""
    fx, fy = K[0, 0], K[1, 1]
    inv_z = 1.0 / np.maximum(X[:, 2], 1e-9)
    a, b = X[:, 0] * inv_z, X[:, 1] * inv_z  # normalised coordinates
    # d(pixel)/d(X) = f / z [[1, 0, -a], [0, 1, -b]] times d(X)/d(eps) = [I, -[X]x].
    J = np.zeros((len(X), 2, 6))
    J[:, 0, 0], J[:, 0, 2] = fx * inv_z, -fx * a * inv_z
    J[:, 1, 1], J[:, 1, 2] = fy * inv_z, -fy * b * inv_z
    J[:, 0, 3], J[:, 0, 4], J[:, 0, 5] = -fx * a * b, fx * (1 + a * a), -fx * b
    J[:, 1, 3], J[:, 1, 4], J[:, 1, 5] = -fy * (1 + b * b), fy * a * b, fy * a
    projected = np.empty((len(X), 2))
    projected[:, 0] = fx * a + K[0, 2]
    projected[:, 1] = fy * b + K[1, 2]
    return J, projected


def covariance(rotation, translation, pixels, points3d, K):
    """
    Return (6 x 6 covariance, reprojection RMS px) of a pose fitted to these inliers.

    sigma^2 (J^T J)^-1 with J the 2N x 6 Jacobian of the projections under a small motion
    exp(eps) of the current camera, eps = (translation, rotation) in its axes.
    """
    X = points3d @ rotation.T + translation
    J, projected = _projection_jacobian(X, K)
    residual = projected - pixels
    n = len(X)
    rms = float(np.sqrt(np.sum(residual ** 2) / (2 * n))) if n else 0.0
    sigma2 = max(float(np.sum(residual ** 2)) / max(2 * n - 6, 1), MIN_SIGMA_PX ** 2)
    J = J.reshape(-1, 6)
    return covariance_of(J.T @ J) * sigma2, rms


def covariance_of(information):
    """Return the covariance of a 6 x 6 information matrix (1e6 where it is singular)."""
    try:
        cov = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        return np.eye(6) * 1e6
    return 0.5 * (cov + cov.T)


def exp(eps):
    """Return the 4 x 4 transform of a small motion eps = (translation, rotation vector)."""
    import cv2
    out = np.eye(4)
    out[:3, :3] = cv2.Rodrigues(np.asarray(eps[3:], np.float64))[0]
    out[:3, 3] = eps[:3]
    return out


def refine(T, pixels, points3d, K, threshold, depths=None, depth_noise=0.0, iterations=3,
           surface=None, surface_weight=1.0, polish=2, gate=2.0, errors=None):
    """
    Return the PnPFit of a pose refined from `T` on the pairs it fits, or None.

    `T` (4 x 4, reference points into the current camera) is a prediction or a RANSAC model.
    The pairs within `gate` x `threshold` pixels of it are refined by Gauss-Newton with a Huber
    loss, then those within `threshold` of the result are the inliers and refined again: a
    refinement on all inliers. With `depths` (this frame's depth at each pixel, NaN: none) and
    `depth_noise` > 0, each inlier's Z in the current camera is also pulled to its measured
    depth (sigma = depth_noise z^2 + 2 mm: a structured-light or stereo camera's error grows
    with the square of the distance): depth pins the motion along the optical axis, which
    pixels see least. The covariance is the joint one, (J^T W J)^-1. None when fewer than
    MIN_POINTS pairs fit.

    `surface`: a callable of the pose returning more residuals (J rows, residuals, their
    sigmas), paired anew at every step (geometry/surface.py: this frame's depth against a
    reference surface). They join the second round only (SURFACE_STEPS steps), with a Huber
    loss, their information times `surface_weight` in the steps; the covariance takes them at
    their sigmas. `iterations` 0: the pairs are already refined, straight to that round;
    `polish`: the second round's steps without a surface (0: inliers picked, not refined).
    `errors`: the pairs' reprojection_errors under `T` where the caller has them (exactly
    those: with `iterations` 0 they also pick the first inliers).
    """
    if not iterations and not surface and not polish:
        raise ValueError('refine needs steps: iterations, polish or a surface')
    pixels = np.asarray(pixels, np.float64).reshape(-1, 2)
    points3d = np.asarray(points3d, np.float64).reshape(-1, 3)
    use_depth = depths is not None and depth_noise > 0
    z_obs = np.asarray(depths, np.float64) if use_depth else None
    T = np.array(T, np.float64)
    if errors is None:
        errors = reprojection_errors(T, pixels, points3d, K)
    inliers = errors < gate * threshold
    sigma_px = max(threshold / 3.0, MIN_SIGMA_PX)
    for rounds, extra in ((iterations, None), (SURFACE_STEPS if surface else polish, surface)):
        if inliers.sum() < MIN_POINTS:
            return None
        if rounds:  # else T, and so its errors, stay as they are
            P, px = points3d[inliers], pixels[inliers]
            depth = _depth_terms(z_obs[inliers], depth_noise) if use_depth else None
            for _ in range(rounds):
                step, H = _gauss_newton_step(T, P, px, K, sigma_px, depth, extra,
                                             surface_weight)
                if step is None:
                    return None
                T = exp(step) @ T
                if np.abs(step).max() < 1e-6:  # micrometres and microradians
                    break
            errors = reprojection_errors(T, pixels, points3d, K)
        inliers = errors < threshold
        if inliers.sum() >= MIN_POINTS:
            sigma_px = max(float(np.sqrt(np.mean(errors[inliers] ** 2) / 2)), MIN_SIGMA_PX)
    if inliers.sum() < MIN_POINTS:
        return None
    rms = float(np.sqrt(np.mean(errors[inliers] ** 2) / 2))
    u, _, vt = np.linalg.svd(T[:3, :3])  # rounding off SO(3) would compound frame to frame
    return PnPFit(u @ vt, T[:3, 3].copy(), inliers, rms, covariance_of(H))


def reprojection_errors(T, pixels, points3d, K):
    """Return the reprojection error (pixels) of each pair under T (inf behind the camera)."""
    X = points3d @ T[:3, :3].T + T[:3, 3]
    d = _project(X, K) - pixels
    return np.where(X[:, 2] > 1e-6, np.sqrt(np.einsum('ni,ni->n', d, d)), np.inf)


def _depth_terms(z_obs, depth_noise):
    """Return (flags, depths, sigmas) of the pairs with a measured depth (_gauss_newton_step)."""
    known = np.isfinite(z_obs)
    return known, z_obs[known], depth_sigma(z_obs[known], depth_noise)


def _gauss_newton_step(T, P, px, K, sigma_px, depth=None, surface=None, surface_weight=1.0):
    """
    Return (step eps, information matrix) of one Huber-weighted Gauss-Newton step.

    `depth`: _depth_terms of the pairs' measured depths, or None.
    """
    X = P @ T[:3, :3].T + T[:3, 3]
    J, projected = _projection_jacobian(X, K)
    r = projected - px
    w = huber(np.sqrt(np.einsum('ni,ni->n', r, r)) / sigma_px) / sigma_px ** 2
    Jw = (J * w[:, None, None]).reshape(-1, 6)
    J = J.reshape(-1, 6)
    H = Jw.T @ J
    g = Jw.T @ r.reshape(-1)
    if depth is not None:
        known, zk, sigma_z = depth
        Xk = X[known]
        Jz = np.zeros((len(Xk), 6))
        Jz[:, 2], Jz[:, 3], Jz[:, 4] = 1.0, Xk[:, 1], -Xk[:, 0]
        rz = Xk[:, 2] - zk
        wz = huber(np.abs(rz) / sigma_z) / sigma_z ** 2
        Jzw = Jz * wz[:, None]
        H = H + Jzw.T @ Jz
        g = g + Jzw.T @ rz
    H_step = H
    if surface is not None:
        Js, rs, sigma_s = surface(T)
        Jw = Js * (huber(np.abs(rs) / sigma_s) / sigma_s ** 2)[:, None]
        Hs = Jw.T @ Js
        H, H_step = H + Hs, H + surface_weight * Hs
        g = g + surface_weight * (Jw.T @ rs)
    try:
        return -np.linalg.solve(H_step, g), H
    except np.linalg.LinAlgError:
        return None, H


def huber(scaled, k=1.5):
    """Return Huber weights of residuals in units of their sigma."""
    return np.minimum(1.0, k / np.maximum(scaled, 1e-12))
