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

"""Matching between two frames: mutual nearest neighbours on descriptors, robust homography."""

from dataclasses import dataclass

import cv2
import numpy as np

_METHODS = {
    'ransac': cv2.RANSAC,
    'usac_magsac': cv2.USAC_MAGSAC,
    'usac_default': cv2.USAC_DEFAULT,
    'lmeds': cv2.LMEDS,
    'rho': cv2.RHO,
}


def mnn_match(desc0, desc1, min_similarity=0.0, ratio=1.0):
    """
    Mutual nearest neighbours of unit descriptors (N0 x D, N1 x D).

    Returns (M x 2 int32 index pairs, M float32 cosine similarities). `ratio` < 1 also
    requires best distance < ratio * second-best distance (Lowe), in both directions' best.
    """
    if len(desc0) == 0 or len(desc1) == 0:
        return np.zeros((0, 2), np.int32), np.zeros(0, np.float32)
    sim = desc0 @ desc1.T
    nn01 = sim.argmax(axis=1)
    best01 = sim[np.arange(len(desc0)), nn01]
    # Column maxima reduce along contiguous rows (argmax over axis 0 is 10x slower): i and its
    # nearest j are mutual when sim[i, j] is also the best of column j.
    i0 = np.flatnonzero(best01 >= sim.max(axis=0)[nn01])
    i0 = i0[np.unique(nn01[i0], return_index=True)[1]]  # exact ties: one match per column
    # In first-frame order, as the public matchers: RANSAC's result depends on the order.
    i0.sort()
    i1 = nn01[i0]
    s = best01[i0]
    keep = s >= min_similarity
    if ratio < 1.0 and sim.shape[1] > 1:
        # Distances of unit vectors: d^2 = 2 - 2 cos.
        second = np.partition(sim[i0], -2, axis=1)[:, -2]
        d1 = np.sqrt(np.maximum(2 - 2 * s, 0))
        d2 = np.sqrt(np.maximum(2 - 2 * second, 0))
        keep &= d1 < ratio * d2
    pairs = np.stack([i0[keep], i1[keep]], axis=1).astype(np.int32)
    return pairs, s[keep].astype(np.float32)


@dataclass
class Homography:
    """A robust homography fit: H (3x3, previous -> current) and the inlier mask."""

    matrix: np.ndarray
    inliers: np.ndarray  # M uint8

    @property
    def num_inliers(self):
        return int(self.inliers.sum())


def estimate_homography(pts0, pts1, method='ransac', threshold=3.0, confidence=0.999,
                        max_iters=2000):
    """Fit H with OpenCV's robust estimator; None when fewer than 4 points or no model."""
    if len(pts0) < 4:
        return None
    matrix, mask = cv2.findHomography(
        np.asarray(pts0, np.float64), np.asarray(pts1, np.float64), _METHODS[method],
        threshold, maxIters=max_iters, confidence=confidence)
    if matrix is None or mask is None:
        return None
    return Homography(matrix, mask.reshape(-1).astype(np.uint8))
