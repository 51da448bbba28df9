# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Coarse LoFTR (distilled, ONNX): dense matching of two images on a 30 x 40 grid of 16 px cells.

Inputs are resized to the model's 640x480 grey / 255; a match is a cell pair whose dual-softmax
confidence exceeds a threshold and is the maximum of its row and of its column. A match is placed
at the centres of its cells: cell i spans pixels (i mod 40, i div 40) * 16 + [0, 15] of the
model's input (the authors' demo reports the corner, * 16), so its centre is * 16 + 7.5,
scaled back to each image.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from alike_ros.config import _Config, _f
from alike_ros.matchers import base
from alike_ros.paths import shared_dir

GRID_W, GRID_H, CELL = 40, 30, 16
MODEL_W, MODEL_H = GRID_W * CELL, GRID_H * CELL


def default_model():
    """Return the shared ONNX model (../shared/weights/coarse_loftr)."""
    return shared_dir() / 'weights' / 'coarse_loftr' / 'LoFTR_teacher.onnx'


def cell_pixels(index, width, height):
    """Pixel positions (N x 2) of cell centres, in an image of width x height."""
    xy = np.stack([index % GRID_W, index // GRID_W], axis=1).astype(np.float32) * CELL
    # Pixel centres: the model's (u + 0.5) maps to the image's (u + 0.5) * scale.
    return (xy + CELL / 2) * np.float32([width / MODEL_W, height / MODEL_H]) - 0.5


def _grey(image, bgr):
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY if bgr else cv2.COLOR_RGB2GRAY)
    small = cv2.resize(image, (MODEL_W, MODEL_H), interpolation=cv2.INTER_AREA)
    return (small.astype(np.float32) / np.float32(255))[None, None]


@dataclass(frozen=True)
class CoarseLoftrConfig(_Config):
    """Settings of coarse LoFTR matching."""

    loftr_model: str = _f('', 'coarse LoFTR ONNX file; empty = the shared LoFTR_teacher.onnx')
    loftr_threshold: float = _f(0.01, 'confidence a coarse LoFTR match needs', live=True,
                                range=(0.0, 1.0 - 1e-9), rule='in [0, 1)')


class CoarseLoftr(base.Matcher):
    """Two images in, mutually most confident cell pairs out (ONNX Runtime, loaded here)."""

    def __init__(self, config=None, log=None, provider='cpu', threads=2):
        """Open the model (ONNX Runtime is imported only now: a matcher without it stays light)."""
        from alike_ros.onnx_model import OnnxModel
        super().__init__(config or CoarseLoftrConfig(), log)
        path = self.config.loftr_model or default_model()
        self.session = OnnxModel(path, provider, threads, log=log).session
        self.output = self.session.get_outputs()[0].name

    def points(self, frame):
        """Every cell centre of the frame's image (pairs index cells)."""
        height, width = frame.size
        return cell_pixels(np.arange(GRID_W * GRID_H), width, height)

    def match(self, previous, current):
        """Return the cell pairs above the threshold that are their row's and column's best."""
        conf = self.session.run([self.output], {'img0': _grey(previous.image, previous.bgr),
                                                'img1': _grey(current.image, current.bgr)})[0][0]
        pairs, scores = base.mutual_best(conf, self.config.loftr_threshold)
        return base.Matches(pairs, scores,
                            cell_pixels(pairs[:, 0], *previous.size[::-1]),
                            cell_pixels(pairs[:, 1], *current.size[::-1]))


METHOD = base.Method(
    name='coarse_loftr', config=CoarseLoftrConfig,
    matcher='alike_ros.matchers.coarse_loftr:CoarseLoftr', needs_image=True,
    score_kind='confidence',
    summary='the distilled coarse LoFTR model on consecutive images (cells of 16 px)')
