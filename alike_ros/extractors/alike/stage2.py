# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
ALIKE's stage 2: DKD keypoints (NMS, selection, soft-argmax refinement) and exact descriptors.

Descriptors come from the four feature maps and the head's weights (head.DescriptorHead), at
the keypoints only; the head's weights are the model's .head.npz sidecar.
"""

import cv2
import numpy as np

from alike_ros import dkd
from alike_ros.extractors import base
from alike_ros.extractors.alike.head import DescriptorHead, head_path


class Stage2(base.Stage2):
    """ALIKE (alike-t, -s, -n, -l): 1 x 3 x H x W RGB in 0..255 in, sub-pixel keypoints out."""

    def __init__(self, spec, model):
        """Load the descriptor head's weights stored beside the model file."""
        super().__init__(spec, model)
        self.head = DescriptorHead.load(head_path(model.path))

    @classmethod
    def prepare(cls, image, bgr=False, size=None):
        """Return 1 x 3 x Hp x Wp float32 RGB in 0..255, zero-padded bottom / right."""
        image, bgr, scale = base.fit(image, bgr, size)
        th, tw = image.shape[:2]
        ph, pw = base.pad32(th), base.pad32(tw)
        if (ph, pw) != (th, tw):
            image = cv2.copyMakeBorder(image, 0, ph - th, 0, pw - tw, cv2.BORDER_CONSTANT, 0)
        return base.NetworkInput(cv2.dnn.blobFromImage(image, 1.0, swapRB=bgr), (th, tw), scale)

    def run(self, outputs, config, valid, clock=base.no_clock, region=None):
        """DKD on the score map, then descriptors at the keypoints."""
        r = self.spec.radius
        scores, smax = self.score_maps(outputs, valid)
        if smax is None:
            smax = dkd.max_filter(scores, r)
        keep = dkd.remove_border(dkd.nms(scores, r, config.nms_iterations, smax), r)
        if region is not None:
            keep &= region
        clock('nms')
        idx = dkd.select(keep, scores, config.top_k, config.scores_th, config.n_limit,
                         cell=config.spread_cell, most=config.spread_max)
        xy = dkd.refine(scores, idx, r, config.sub_pixel, smax)
        kscores = dkd.sample_scores(scores, xy)
        clock('select_refine')
        return xy, kscores, self.describe(outputs, xy, valid)

    def describe(self, outputs, xy, valid):
        """Return unit descriptors at the keypoints, from the four feature maps."""
        feats = [outputs[f'feat{i}'][0] for i in range(1, 5)]
        if self.nchw:
            feats = [base.channels_last(f) for f in feats]
        return self.head.describe(feats, xy, *valid)


class DenseStage2(Stage2):
    """The seed paper's stage 2: L2-normalise the whole dense descriptor map, then sample it."""

    def __init__(self, spec, model):
        """No head: stage 1 (the 'dense' form) already ran it over the whole image."""
        base.Stage2.__init__(self, spec, model)

    def describe(self, outputs, xy, valid):
        """Normalise every pixel of the map, then sample it bilinearly at the keypoints."""
        th, tw = valid
        dmap = outputs['descriptor_map'][0, :, :th, :tw]
        dmap = dmap / np.maximum(np.linalg.norm(dmap, axis=0, keepdims=True), 1e-12)
        taps, wts = dkd.bilinear_taps(xy, th, tw)
        desc = (dmap.reshape(len(dmap), -1)[:, taps] * wts[None]).sum(axis=1).T
        return desc / np.linalg.norm(desc, axis=1, keepdims=True)
