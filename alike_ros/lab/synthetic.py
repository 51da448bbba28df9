# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Synthetic two-view scenes with known camera motion, and how well a geometry recovers it.

`python -m alike_ros.lab geometry-eval` and test_geometry.py use these: random 3D points in
front of a calibrated (distorted) camera, a known relative motion, pixel noise and a share of
outlier matches; the fit is scored by rotation error, translation-direction error and inlier
recall.
"""

from dataclasses import dataclass
import statistics
import time

import cv2
import numpy as np

from alike_ros import geometry
from alike_ros.geometry.camera import Camera

# The TUM Freiburg 2 colour camera (config/tum_freiburg2_camera_info.yaml).
TUM_K = [520.9, 0.0, 325.1, 0.0, 521.0, 249.7, 0.0, 0.0, 1.0]
TUM_D = [0.2312, -0.7849, -0.0033, -0.0001, 0.9172]


@dataclass
class Scene:
    """Matched pixels of two views, the camera and the truth."""

    pts0: np.ndarray
    pts1: np.ndarray
    camera: Camera
    rotation: np.ndarray  # X_1 = R X_0 + t
    translation: np.ndarray
    inlier: np.ndarray  # bool: a true correspondence (else a random outlier)


def project(camera, points, rvec=np.zeros(3), tvec=np.zeros(3)):
    """Pixels of 3D points (N x 3) seen by a camera posed at (rvec, tvec)."""
    pts = np.asarray(points, np.float64).reshape(-1, 1, 3)
    if camera.model == 'equidistant':
        out, _ = cv2.fisheye.projectPoints(pts, np.asarray(rvec, np.float64).reshape(3, 1),
                                           np.asarray(tvec, np.float64).reshape(3, 1),
                                           camera.K, camera.D)
    else:
        out, _ = cv2.projectPoints(pts, rvec, tvec, camera.K, camera.D)
    return out.reshape(-1, 2)


def scene(rng, n=500, noise_px=0.5, outliers=0.2, camera=None, rotation_deg=3.0,
          baseline=0.2):
    """
    Return a Scene: n points 2-8 m ahead, seen before and after a random motion.

    The motion rotates by `rotation_deg` about a random axis and moves `baseline` m in a
    random direction; `outliers` of the matches get a random second point.
    """
    camera = camera or Camera.from_fields(TUM_K, TUM_D, 'plumb_bob', 640, 480)
    fx, fy = camera.K[0, 0], camera.K[1, 1]
    cx, cy = camera.K[0, 2], camera.K[1, 2]
    z = rng.uniform(2.0, 8.0, n)
    # Points whose ideal pixels fill the central 80 % of the image.
    u = rng.uniform(0.1, 0.9, n) * camera.width
    v = rng.uniform(0.1, 0.9, n) * camera.height
    points = np.c_[(u - cx) / fx * z, (v - cy) / fy * z, z]
    axis = rng.normal(size=3)
    rvec = axis / np.linalg.norm(axis) * np.radians(rotation_deg)
    direction = rng.normal(size=3)
    tvec = direction / np.linalg.norm(direction) * baseline
    pts0 = project(camera, points) + rng.normal(0, noise_px, (n, 2))
    pts1 = project(camera, points, rvec, tvec) + rng.normal(0, noise_px, (n, 2))
    inlier = rng.random(n) >= outliers
    bad = ~inlier
    pts1[bad] = rng.uniform([0, 0], [camera.width, camera.height], (bad.sum(), 2))
    rotation, _ = cv2.Rodrigues(rvec)
    return Scene(pts0, pts1, camera, rotation, tvec, inlier)


def score(geometry_name, s, method, threshold=3.0, confidence=0.999, max_iters=2000):
    """Fit one scene; return {rotation_deg, translation_deg, recall, precision, ms} or None."""
    t0 = time.perf_counter()
    fit = geometry.fit_calibrated(geometry_name, s.camera, s.pts0, s.pts1, method, threshold,
                                  confidence, max_iters)
    ms = (time.perf_counter() - t0) * 1e3
    if fit is None:
        return None
    found = fit.inliers.astype(bool)
    out = {'recall': float((found & s.inlier).sum() / max(s.inlier.sum(), 1)),
           'precision': float((found & s.inlier).sum() / max(found.sum(), 1)), 'ms': ms}
    if fit.rotation is not None:
        out['rotation_deg'] = geometry.rotation_angle_deg(fit.rotation.T @ s.rotation)
        out['translation_deg'] = geometry.angle_between_deg(fit.translation, s.translation)
    return out


def evaluate(geometry_name, method, noise_px, outliers, trials=20, seed=0, threshold=3.0,
             confidence=0.999, max_iters=2000, **scene_args):
    """Median scores over `trials` random scenes (failures count as recall 0)."""
    rng = np.random.default_rng(seed)
    rows = [score(geometry_name, scene(rng, noise_px=noise_px, outliers=outliers,
                                       **scene_args), method, threshold, confidence, max_iters)
            for _ in range(trials)]
    ok = [r for r in rows if r is not None]
    keys = ok[0].keys() if ok else ()
    out = {k: statistics.median(r[k] for r in ok) for k in keys}
    out['recall'] = statistics.median([r['recall'] if r else 0.0 for r in rows])
    out['failures'] = len(rows) - len(ok)
    return out


def markdown(noises=(0.0, 0.5, 1.0), outlier_shares=(0.0, 0.25, 0.5), trials=20,
             methods=('ransac', 'usac_default', 'poselib'), threshold=3.0):
    """Return the README table: essential and fundamental over noise and outliers, per method."""
    lines = ['| geometry, method | noise px | outliers | rotation err (deg) | '
             'translation dir err (deg) | inlier recall | inlier precision | fit ms |',
             '|---|---:|---:|---:|---:|---:|---:|---:|']
    for name in ('essential', 'fundamental'):
        for method in methods:
            for noise in noises:
                for share in outlier_shares:
                    r = evaluate(name, method, noise, share, trials, threshold=threshold)
                    rot = f"{r['rotation_deg']:.3f}" if 'rotation_deg' in r else '-'
                    tr = f"{r['translation_deg']:.2f}" if 'translation_deg' in r else '-'
                    lines.append(f"| {name}, {method} | {noise} | {share:.0%} | {rot} | {tr} | "
                                 f"{r['recall']:.3f} | {r.get('precision', 0):.3f} | "
                                 f"{r.get('ms', 0):.1f} |")
    return '\n'.join(lines)


@dataclass
class Observation:
    """One frame of a synthetic track sequence: keypoints, unit descriptors, which point."""

    keypoints: np.ndarray  # N x 2 float32 pixels
    descriptors: np.ndarray  # N x D float32 unit rows
    point: np.ndarray  # N: index of the 3D point seen, or a negative id unique to clutter
    rotation: np.ndarray = None  # the camera's pose: X_camera = rotation X_world + translation
    translation: np.ndarray = None


def track_sequence(rng, frames=20, points=3000, detect=0.7, clutter=0.2, noise_px=0.5,
                   dim=64, textures=30, texture_spread=0.6, descriptor_noise=0.03,
                   step_deg=1.2, step_m=0.02, camera=None):
    """
    Return (camera, [Observation]): a hand-held-like camera over a field of 3D points.

    Each frame the camera turns `step_deg` and moves `step_m` (axis and direction wander);
    each visible point is detected with probability `detect` (so tracks miss frames), with
    pixel noise; a `clutter` share of random detections is added. A point's descriptor is
    its texture's centre plus its own part (`textures` clusters: points of one texture are
    alike, about 0.75 cosine similarity, as repeated structure is in real images) plus
    per-observation noise (true matches about 0.97, as ALIKE's inliers on the TUM frames).
    """
    camera = camera or Camera.from_fields(TUM_K, TUM_D, 'plumb_bob', 640, 480)
    k, w, h = camera.K, camera.width, camera.height
    z = rng.uniform(1.0, 5.0, points)
    u, v = rng.uniform(-0.3, 1.3, points) * w, rng.uniform(-0.3, 1.3, points) * h
    world = np.c_[(u - k[0, 2]) / k[0, 0] * z, (v - k[1, 2]) / k[1, 1] * z, z]
    centres = rng.normal(size=(textures, dim))
    base = centres[rng.integers(0, textures, points)] + texture_spread * rng.normal(
        size=(points, dim))
    axis, direction = rng.normal(size=3), rng.normal(size=3)
    rotation, translation = np.eye(3), np.zeros(3)
    out = []
    for f in range(frames):
        if f:
            axis = axis / np.linalg.norm(axis) + 0.2 * rng.normal(size=3)
            direction = direction / np.linalg.norm(direction) + 0.2 * rng.normal(size=3)
            step, _ = cv2.Rodrigues(axis / np.linalg.norm(axis) * np.radians(step_deg))
            rotation = step @ rotation
            translation = step @ translation + direction / np.linalg.norm(direction) * step_m
        in_front = (world @ rotation.T + translation)[:, 2] > 0.3
        px = project(camera, world, cv2.Rodrigues(rotation)[0].reshape(3), translation)
        seen = in_front & (px[:, 0] >= 0) & (px[:, 0] < w) & (px[:, 1] >= 0) & (px[:, 1] < h)
        seen = np.flatnonzero(seen & (rng.random(points) < detect))
        n_clutter = int(clutter * len(seen))
        xy = np.r_[px[seen] + rng.normal(0, noise_px, (len(seen), 2)),
                   rng.uniform([0, 0], [w, h], (n_clutter, 2))]
        desc = np.r_[base[seen] + descriptor_noise * rng.normal(size=(len(seen), dim)),
                     centres[rng.integers(0, textures, n_clutter)]
                     + texture_spread * rng.normal(size=(n_clutter, dim))]
        desc /= np.linalg.norm(desc, axis=1, keepdims=True)
        clutter_ids = -1 - f * 10**6 - np.arange(n_clutter)
        out.append(Observation(xy.astype(np.float32), desc.astype(np.float32),
                               np.r_[seen, clutter_ids], rotation.copy(), translation.copy()))
    return camera, out
