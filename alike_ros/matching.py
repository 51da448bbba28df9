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

"""Matching between two frames: mutual nearest neighbours of their descriptors."""

import numpy as np


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
