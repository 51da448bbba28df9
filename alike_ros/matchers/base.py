# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The matcher plug-in interface: two Frames in, Matches out, one typed config per method.

A method is one package alike_ros/matchers/<name>/ whose __init__ defines METHOD. Importing it
must stay cheap: a method that needs ONNX Runtime (or anything heavy) imports it when its
Matcher is built, so a matcher process loads only what its method uses.
"""

from dataclasses import dataclass
import importlib

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One frame as a matcher sees it: keypoints and descriptors, and the image if it has one."""

    keypoints: np.ndarray = None  # N x 2 float32, pixels of the image (x, y)
    descriptors: np.ndarray = None  # N x D (unit float rows, or uint8 binary codes)
    image: np.ndarray = None  # H x W (x 3) uint8, for methods that match pixels
    bgr: bool = False  # the image's channel order
    scores: np.ndarray = None  # N keypoint scores (ranks new tracks under a track budget)

    def subset(self, index):
        """Return the frame with only the keypoints at `index` (descriptors, scores too)."""
        def pick(a):
            return None if a is None else a[index]
        return Frame(pick(self.keypoints), pick(self.descriptors), self.image, self.bgr,
                     pick(self.scores))

    @property
    def size(self):
        """(height, width) of the image, or None without one."""
        return None if self.image is None else self.image.shape[:2]


@dataclass(frozen=True)
class Matches:
    """Matched points of two frames; pairs index each frame's points (Matcher.points)."""

    pairs: np.ndarray  # M x 2 int32: (previous index, current index)
    scores: np.ndarray  # M float32 (what they are: Method.score_kind)
    points0: np.ndarray  # M x 2 float32 pixels in the previous frame
    points1: np.ndarray  # M x 2 float32 pixels in the current frame

    def __len__(self):
        return len(self.pairs)

    @classmethod
    def of(cls, pairs, scores, points0, points1):
        """Build from index pairs and the two frames' points (N x 2 each)."""
        pairs = np.asarray(pairs, np.int32).reshape(-1, 2)
        return cls(pairs, np.asarray(scores, np.float32),
                   np.asarray(points0, np.float32).reshape(-1, 2)[pairs[:, 0]],
                   np.asarray(points1, np.float32).reshape(-1, 2)[pairs[:, 1]])


class Matcher:
    """One matching method, built from its config; match() is its whole job."""

    def __init__(self, config, log=None):
        """Keep the validated config (and load models where the method has one)."""
        self.config = config
        self.log = log

    def points(self, frame):
        """Return the frame's points that pairs index (keypoints, or a method's own cells)."""
        return frame.keypoints

    def match(self, previous, current):
        """Return the Matches of two Frames; raise ValueError when they cannot be matched."""
        raise NotImplementedError


@dataclass(frozen=True)
class Method:
    """Everything about one matching method that the rest of the package reads."""

    name: str
    config: type  # its typed config (its fields become the matcher node's parameters)
    matcher: str  # 'module:Class' of its Matcher, imported only when one is built
    needs_image: bool = False  # matches images (the node subscribes image, not keypoints)
    score_kind: str = 'cosine'  # what Matches.scores are (MatchArray.method says the method)
    summary: str = ''

    def build(self, config=None, log=None, **options):
        """Return a Matcher of this method (default config when None; options: its own)."""
        module, cls = self.matcher.split(':')
        config = (config or self.config()).validated()
        return getattr(importlib.import_module(module), cls)(config, log, **options)


def mutual_best(score, threshold=-np.inf):
    """
    Mutual maxima of a score matrix (rows: previous, columns: current) above a threshold.

    Returns (M x 2 int32 pairs in row order, M float32 scores); one pair per row and column
    (exact ties keep the first row).
    """
    if score.shape[0] == 0 or score.shape[1] == 0:
        return np.zeros((0, 2), np.int32), np.zeros(0, np.float32)
    nn01 = score.argmax(axis=1)
    best01 = score[np.arange(len(score)), nn01]
    # Column maxima reduce along contiguous rows (argmax over axis 0 is 10x slower): i and its
    # best j are mutual when score[i, j] is also the best of column j.
    i0 = np.flatnonzero((best01 >= score.max(axis=0)[nn01]) & (best01 > threshold))
    i0 = i0[np.unique(nn01[i0], return_index=True)[1]]
    # In first-frame order, as the public matchers: RANSAC's result depends on the order.
    i0.sort()
    return np.stack([i0, nn01[i0]], axis=1).astype(np.int32), best01[i0].astype(np.float32)
