# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Relative motion against ground truth: TUM trajectories, pose errors, AUC (LightGlue protocol).

A TUM-format file has one pose per line, `timestamp tx ty tz qx qy qz qw`, camera-to-world.
The relative motion of two frames is the one the matcher publishes: X_cur = R X_prev + t.
Errors are those of LightGlue / glue-factory: the rotation's angle, the angle between the
translation directions (folded to [0, 90]: an essential matrix fixes t only up to sign), and
the pose error is their maximum; AUC@k integrates the recall of pose errors up to k degrees,
failed fits counting as infinite errors.
"""

from pathlib import Path

import numpy as np

from alike_ros.geometry import angle_between_deg, rotation_angle_deg

AUC_THRESHOLDS = (5.0, 10.0, 20.0)


def read_tum(path):
    """Return (stamps N, positions N x 3, quaternions N x 4 xyzw) of a TUM trajectory file."""
    rows = []
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            rows.append([float(v) for v in line.split()[:8]])
    data = np.array(rows, np.float64).reshape(-1, 8)
    if len(data) < 2:
        raise ValueError(f'{path}: a TUM trajectory needs at least two poses')
    order = np.argsort(data[:, 0])
    data = data[order]
    return data[:, 0], data[:, 1:4], data[:, 4:8]


def quaternion_matrix(q):
    """Rotation matrix of a quaternion (x, y, z, w), normalised first."""
    x, y, z, w = np.asarray(q, np.float64) / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def _slerp(q0, q1, a):
    q0, q1 = q0 / np.linalg.norm(q0), q1 / np.linalg.norm(q1)
    dot = float(q0 @ q1)
    if dot < 0:
        q1, dot = -q1, -dot
    if dot > 0.9995:
        q = q0 + a * (q1 - q0)
        return q / np.linalg.norm(q)
    theta = np.arccos(dot)
    return (np.sin((1 - a) * theta) * q0 + np.sin(a * theta) * q1) / np.sin(theta)


def poses_at(trajectory, stamps, max_gap=None, same=1e-3):
    """
    Camera-to-world 4 x 4 poses at `stamps` (s), interpolated (linear, slerp).

    A pose within `same` s of a stamp is taken as it is (ground truth at the camera's rate,
    e.g. a driving set's per-frame poses). A stamp outside the trajectory, or between two poses
    more than `max_gap` s apart, gets None; `max_gap` defaults to 1.5 x the trajectory's median
    spacing, at least 0.05 s (TUM's 100 Hz motion capture: 0.05).
    """
    times, positions, quats = trajectory
    if max_gap is None:
        spacing = np.diff(np.unique(times))  # a stamp written twice is no spacing
        max_gap = max(0.05, 1.5 * float(np.median(spacing))) if len(spacing) else 0.05
    out = []
    for s in stamps:
        i = int(np.searchsorted(times, s))
        near = [j for j in (i - 1, i) if 0 <= j < len(times) and abs(times[j] - s) <= same]
        if near:
            j = min(near, key=lambda j: abs(times[j] - s))
            pose = np.eye(4)
            pose[:3, :3] = quaternion_matrix(quats[j])
            pose[:3, 3] = positions[j]
            out.append(pose)
            continue
        if i == 0 or i == len(times):
            out.append(None)
            continue
        t0, t1 = times[i - 1], times[i]
        if t1 - t0 > max_gap:
            out.append(None)
            continue
        a = (s - t0) / (t1 - t0)
        pose = np.eye(4)
        pose[:3, :3] = quaternion_matrix(_slerp(quats[i - 1], quats[i], a))
        pose[:3, 3] = (1 - a) * positions[i - 1] + a * positions[i]
        out.append(pose)
    return out


def relative_motion(pose_prev, pose_cur):
    """(R, t) mapping previous-camera points into the current camera: X_cur = R X_prev + t."""
    rel = np.linalg.inv(pose_cur) @ pose_prev
    return rel[:3, :3], rel[:3, 3]


def rotation_error_deg(r_est, r_true):
    """Angle of R_est^T R_true, in degrees."""
    return rotation_angle_deg(np.asarray(r_est).T @ r_true)


def direction_error_deg(t_est, t_true):
    """Angle between translation directions, folded to [0, 90] (the sign is not observable)."""
    if np.linalg.norm(t_est) * np.linalg.norm(t_true) == 0:
        return 90.0
    angle = angle_between_deg(t_est, t_true)
    return min(angle, 180.0 - angle)


def pose_auc(errors, thresholds=AUC_THRESHOLDS):
    """
    AUC of the recall curve of pose errors up to each threshold (LightGlue's pose_auc).

    `errors` holds one value per pair; inf or nan (a failed fit) counts as never recalled.
    """
    errors = np.sort(np.nan_to_num(np.asarray(errors, np.float64), nan=np.inf))
    if len(errors) == 0:
        return [0.0 for _ in thresholds]
    recall = np.arange(1, len(errors) + 1) / len(errors)
    errors, recall = np.r_[0.0, errors], np.r_[0.0, recall]
    out = []
    for t in thresholds:
        last = int(np.searchsorted(errors, t))
        r = np.r_[recall[:last], recall[last - 1]]
        e = np.r_[errors[:last], t]
        out.append(float(np.trapezoid(r, x=e) / t))
    return out


def pair_errors(rotation, translation, true_rotation, true_translation):
    """Return {rotation_deg, translation_deg, pose_deg} of one estimate (None: failed fit)."""
    if rotation is None:
        return {'rotation_deg': float('inf'), 'translation_deg': float('inf'),
                'pose_deg': float('inf')}
    r = rotation_error_deg(rotation, true_rotation)
    t = direction_error_deg(translation, true_translation)
    return {'rotation_deg': r, 'translation_deg': t, 'pose_deg': max(r, t)}


def summarise(rows):
    """Median / p90 errors, AUC@5/10/20 and valid fits of pair_errors rows."""
    def finite(key):
        v = np.array([r[key] for r in rows], np.float64)
        return v[np.isfinite(v)]
    out = {'pairs': len(rows), 'valid': int(len(finite('pose_deg')))}
    for key in ('rotation_deg', 'translation_deg', 'pose_deg'):
        v = finite(key)
        out[key] = {'median': float(np.median(v)) if len(v) else None,
                    'p90': float(np.percentile(v, 90)) if len(v) else None}
    aucs = pose_auc([r['pose_deg'] for r in rows])
    out['auc'] = {f'@{t:g}': a for t, a in zip(AUC_THRESHOLDS, aucs)}
    return out
