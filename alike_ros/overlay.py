# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The matches overlay: current frame, previous -> current lines, inliers and outliers."""

import cv2
import numpy as np

INLIER = (80, 220, 80)  # BGR green
OUTLIER = (60, 60, 230)  # BGR red
KEYPOINT = (230, 180, 40)  # BGR blue-ish


def _segments(p0, p1):
    return np.round(np.stack([p0, p1], axis=1)).astype(np.int32).reshape(-1, 2, 2)


def draw_matches(image_bgr, kp_prev, kp_cur, pairs, inliers, text_lines=(), trails=None):
    """
    Draw on a copy of the current frame (H x W x 3 BGR) and return it.

    Keypoints of the current frame are dots; each match is a line from its previous position
    to its current one, green for inliers, red for outliers; with `trails` (k x 2 arrays, the
    last positions of each track) the inliers are drawn as those trails instead. `text_lines`
    go top-left.
    """
    out = np.ascontiguousarray(image_bgr).copy()
    for x, y in np.round(kp_cur).astype(np.int32):
        out[max(y - 1, 0):y + 1, max(x - 1, 0):x + 1] = KEYPOINT
    if len(pairs):
        p0, p1 = kp_prev[pairs[:, 0]], kp_cur[pairs[:, 1]]
        mask = np.asarray(inliers, bool) if len(inliers) == len(pairs) \
            else np.zeros(len(pairs), bool)
        # One polylines call per colour instead of a Python loop over matches.
        cv2.polylines(out, list(_segments(p0[~mask], p1[~mask])), False, OUTLIER, 1, cv2.LINE_AA)
        if trails is None:
            cv2.polylines(out, list(_segments(p0[mask], p1[mask])), False, INLIER, 1,
                          cv2.LINE_AA)
    if trails:
        cv2.polylines(out, [np.round(t).astype(np.int32) for t in trails], False, INLIER, 1,
                      cv2.LINE_AA)
    if text_lines:
        font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.5
        width = max(cv2.getTextSize(t, font, scale, 1)[0][0] for t in text_lines)
        panel = out[:10 + 20 * len(text_lines), :min(width + 16, out.shape[1])]
        panel[:] = panel // 3  # darkened panel keeps the text readable on any image
        for i, line in enumerate(text_lines):
            cv2.putText(out, line, (8, 22 + 20 * i), font, scale, (255, 255, 255), 1,
                        cv2.LINE_AA)
    return out
