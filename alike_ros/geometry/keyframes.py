# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Keyframes: motion measured from the last keyframe until the view has moved enough.

Between two frames 0.1 s apart a hand-held camera moves millimetres: the rotation is
observable, the direction of the translation is not (a few pixels of parallax). Measured
from a keyframe instead, the translation's parallax grows frame by frame; a frame becomes the
next keyframe once the median parallax of its inliers, with the rotation taken out, reaches a
threshold, or when the keyframe's points thin out (fewer of them still tracked and inliers
than a share of those it had with the frame after it, or no fit).
"""

from dataclasses import dataclass

import numpy as np

from alike_ros.geometry.tracks import UNTRACKED


@dataclass
class Keyframe:
    """A frame motion is measured from: its stamp (ns), the caller's tag, features, ids."""

    stamp: int
    tag: object
    frame: object  # matchers.base.Frame
    ids: np.ndarray  # track id of each of its points
    inliers: int = 0  # its inliers with the frame after it: what later frames keep a share of
    pose: object = None  # the last motion measured from it (a Fit): where the next one starts


def shared_tracks(keyframe_ids, ids):
    """
    Return (keyframe indices, current indices) of the points on the same track.

    A frame's correspondences with the keyframe through its tracks: each link of a track was
    an inlier of a frame-to-frame fit or a window continuation, so they need no matching.
    Points without a track (UNTRACKED, outside a track budget) have none.
    """
    keyframe_ids, ids = np.asarray(keyframe_ids, np.uint64), np.asarray(ids, np.uint64)
    k_on, c_on = np.flatnonzero(keyframe_ids != UNTRACKED), np.flatnonzero(ids != UNTRACKED)
    _, k, c = np.intersect1d(keyframe_ids[k_on], ids[c_on], assume_unique=True,
                             return_indices=True)
    return k_on[k], c_on[c]


def translation_parallax_px(rotation, xy0, xy1, focal):
    """
    Median parallax (pixels) of normalised point pairs once the rotation is taken out.

    xy0, xy1: N x 2 undistorted normalised coordinates of inliers in the reference and the
    current frame; X_cur = R X_ref + t. A pure rotation gives 0 whatever its size.
    """
    xy0, xy1 = np.asarray(xy0, np.float64), np.asarray(xy1, np.float64)
    if len(xy0) == 0:
        return 0.0
    rays = np.c_[xy0, np.ones(len(xy0))] @ np.asarray(rotation, np.float64).T
    rotated = rays[:, :2] / np.where(np.abs(rays[:, 2:]) > 1e-12, rays[:, 2:], 1e-12)
    return float(np.median(np.linalg.norm(rotated - xy1, axis=1)) * focal)


def is_new_keyframe(parallax_px, inlier_ratio, min_parallax_px, min_inlier_ratio):
    """Return whether the current frame should become the keyframe (see the module doc)."""
    return parallax_px >= min_parallax_px or inlier_ratio < min_inlier_ratio
