# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Mutual nearest neighbours of the two frames' descriptors (cosine, or Hamming for codes)."""

from dataclasses import dataclass

import numpy as np

from alike_ros.config import _Config, _f
from alike_ros.matchers import base
from alike_ros.matchers.mnn.similarity import numpy_similarity, Similarity


def mnn_match(desc0, desc1, min_similarity=0.0, ratio=1.0, similarity=numpy_similarity):
    """
    Mutual nearest neighbours of unit descriptors (N0 x D, N1 x D).

    Returns (M x 2 int32 index pairs, M float32 cosine similarities). `ratio` < 1 also
    requires best distance < ratio * second-best distance (Lowe), in both directions' best.
    `similarity(desc0, desc1)` computes desc0 @ desc1.T (a Similarity: by ONNX Runtime).
    """
    if len(desc0) == 0 or len(desc1) == 0:
        return np.zeros((0, 2), np.int32), np.zeros(0, np.float32)
    sim = similarity(desc0, desc1)
    pairs, s = base.mutual_best(sim)
    keep = s >= min_similarity
    if ratio < 1.0 and sim.shape[1] > 1:
        # Distances of unit vectors: d^2 = 2 - 2 cos.
        second = np.partition(sim[pairs[:, 0]], -2, axis=1)[:, -2]
        d1 = np.sqrt(np.maximum(2 - 2 * s, 0))
        d2 = np.sqrt(np.maximum(2 - 2 * second, 0))
        keep &= d1 < ratio * d2
    return pairs[keep], s[keep]


def hamming_mnn(codes0, codes1):
    """Mutual nearest neighbours of binary codes (N x bytes uint8, e.g. ORB), as pairs."""
    import cv2
    if codes0 is None or codes1 is None or len(codes0) == 0 or len(codes1) == 0:
        return np.zeros((0, 2), np.int32)
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(codes0, codes1)
    return np.array([[m.queryIdx, m.trainIdx] for m in matches], np.int32).reshape(-1, 2)


@dataclass(frozen=True)
class MnnConfig(_Config):
    """Settings of mutual-nearest-neighbour matching."""

    min_similarity: float = _f(0.0, 'cosine similarity a match needs, in [-1, 1]', live=True,
                               range=(-1.0, 1.0))
    ratio_test: float = _f(1.0, 'best / second-best distance ratio a match needs; 1 = off',
                           live=True, range=(1e-6, 1.0), rule='in (0, 1]')
    gemm: str = _f('onnxruntime', "what multiplies the two frames' descriptors: "
                   "'onnxruntime' (half numpy's time here; numpy where it is missing) or "
                   "'numpy' (a matcher process of its own then loads no ONNX Runtime)",
                   choices=('onnxruntime', 'numpy'))


class MnnMatcher(base.Matcher):
    """Mutual nearest neighbours; binary (uint8) descriptors are compared by Hamming distance."""

    def __init__(self, config=None, log=None, **_):
        """Build the similarity product's session (options such as threads do not apply)."""
        super().__init__(config or MnnConfig(), log)
        self.similarity = Similarity(self.config.gemm)
        if self.similarity.backend != self.config.gemm and log is not None:
            log.warning(f'gemm onnxruntime: no session here ({self.similarity.problem}); '
                        'numpy multiplies the descriptors')

    def match(self, previous, current):
        """Match the descriptors of two frames (ValueError when their sizes differ)."""
        d0, d1 = previous.descriptors, current.descriptors
        if d0.shape[1:] != d1.shape[1:]:
            raise ValueError(f'descriptor size changed from {d0.shape[1]} to {d1.shape[1]} '
                             '(model switched)')
        if d0.dtype == np.uint8:
            pairs = hamming_mnn(d0, d1)
            scores = np.ones(len(pairs), np.float32)
        else:
            pairs, scores = mnn_match(d0, d1, self.config.min_similarity, self.config.ratio_test,
                                      self.similarity)
        return base.Matches.of(pairs, scores, previous.keypoints, current.keypoints)


METHOD = base.Method(
    name='mnn', config=MnnConfig, matcher='alike_ros.matchers.mnn:MnnMatcher',
    summary="mutual nearest neighbours of the keypoints' descriptors")
