# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Torch layers every family's exporter shares: TIDL-friendly pooling, upsampling, NMS filter."""

import torch.nn.functional as F


def pool(x, factor, op=F.max_pool2d):
    """Pool by a power of two as 2x2 stride-2 pools: TIDL validates 2x2 (max and average)."""
    while factor > 1:
        x = op(x, 2, 2)
        factor //= 2
    return x


def upsample(x, factor, form, align_corners=True):
    """
    Bilinear upsampling by a power of two.

    'exact' is one Resize (what the published models compute). 'tidl' chains 4x and 2x
    Resizes, the only factors TIDL runs natively; the chain is not the same function, so that
    form trades exactness for running on the accelerator.
    """
    if form == 'exact':
        return F.interpolate(x, scale_factor=factor, mode='bilinear',
                             align_corners=align_corners)
    while factor > 1:
        step = 4 if factor % 4 == 0 else 2
        x = F.interpolate(x, scale_factor=step, mode='bilinear', align_corners=align_corners)
        factor //= step
    return x


def nms_max_filter(scores):
    """5x5 stride-1 max filter as two 3x3 ones (TIDL's validated kernel sizes)."""
    return F.max_pool2d(F.max_pool2d(scores, 3, 1, 1), 3, 1, 1)
