# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
EdgePoint2's stage 2, by its authors' rules: plain 5x5 NMS, a 4-pixel border, integer keypoints.

Scores are logits; the threshold (a probability, like ALIKE's) is applied as a logit, also
before top-k as the authors do (their demo: logit -5, i.e. 0.0067). Descriptors are the
1/4-resolution map sampled bilinearly (align_corners=False) and normalised.
"""

import numpy as np

from alike_ros import dkd
from alike_ros.extractors import base
from alike_ros.dkd import normalise_rows


def logit(p):
    """Return the logit of a probability threshold, +-inf at 0 and 1."""
    if p <= 0:
        return -np.inf
    return float(np.log(p / (1 - p))) if p < 1 else np.inf


class Stage2(base.Stage2):
    """EdgePoint2 (edgepoint2-T32 .. -E64): 1 x 1 x H x W normalised grey in, integer keypoints."""

    @classmethod
    def prepare(cls, image, bgr=False, size=None):
        """
        Return the channel mean of pixel / 255, instance-normalised (eps 1e-5), zero-padded.

        The channel sum (0..765) is taken with OpenCV (numpy's float mean over channels is 10x
        slower); instance norm of sum / 765 == (sum - mean) / sqrt(var + eps * 765^2).
        """
        image, _, scale = base.fit(image, False, size)  # the channel order does not matter
        blob = base.instance_normalised(base.channel_sum(image), 1e-5 * 765.0 ** 2)
        return base.NetworkInput(blob, image.shape[:2], scale)

    def run(self, outputs, config, valid, clock=base.no_clock, region=None):
        """NMS and selection on the logits, then the descriptor map sampled at the keypoints."""
        spec = self.spec
        logits, logits_max = self.score_maps(outputs, valid)
        keep = dkd.remove_border(dkd.nms(logits, spec.radius, 0, logits_max), spec.radius,
                                 border=spec.border)
        if region is not None:
            keep &= region
        clock('nms')
        th = logit(config.scores_th)
        idx = dkd.select(keep, logits, config.top_k, th, config.n_limit, floor=th,
                         cell=config.spread_cell, most=config.spread_max)
        xy = dkd.refine(logits, idx, spec.radius, sub_pixel=False)
        kscores = 1 / (1 + np.exp(-logits.reshape(-1)[idx]))
        clock('select_refine')
        dmap = outputs['desc'][0]
        if self.nchw:
            dmap = base.channels_last(dmap)
        h4, w4, c = dmap.shape
        # The map's pixel centres sit at 4u + 1.5: x maps to (x + 0.5) / 4 - 0.5.
        taps, wts = dkd.bilinear_taps((xy + 0.5) / 4 - 0.5, h4, w4)
        desc = np.einsum('knc,kn->nc', np.take(dmap.reshape(-1, c), taps, axis=0), wts)
        return xy, kscores, normalise_rows(desc.astype(np.float32))
