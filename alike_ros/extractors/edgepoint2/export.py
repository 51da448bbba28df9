# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
EdgePoint2 (Yao et al.), reimplemented to load the published state dicts and export stage 1.

Names match the state-dict keys. Stage 1 returns the full-resolution score logits (and
optionally their 5x5 max) and the 1/4-resolution descriptor map; the host normalises the
input (grey, instance norm) before, and selects, samples and normalises after.
"""

import torch
from torch import nn
import torch.nn.functional as F

from alike_ros.export.layers import nms_max_filter, pool, upsample


class BasicLayer(nn.Module):
    """Conv (no bias), BatchNorm, ReLU: state-dict keys layer.0 and layer.1."""

    def __init__(self, cin, cout, kernel=3, stride=1, padding=1, groups=1):
        super().__init__()
        self.layer = nn.Sequential(
            nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False),
            nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        return self.layer(x)


def as_5x5(conv):
    """
    Return a 4x4 stride-2 padding-1 convolution as an equal 5x5 stride-2 padding-2 one.

    TIDL validates 1/3/5/7 kernels: the 4x4 kernel shifted into a 5x5 one with a zero first
    row and column, padded by 2 instead of 1, computes exactly the same outputs.
    """
    out = nn.Conv2d(conv.in_channels, conv.out_channels, 5, 2, 2, bias=False)
    with torch.no_grad():
        out.weight.copy_(F.pad(conv.weight, (1, 0, 1, 0)))
    return out


class ResNetLayer(nn.Module):
    """Two conv3x3-BN with a ReLU between; identity or biased 1x1 skip; ReLU of the sum."""

    def __init__(self, d1, d2):
        super().__init__()
        self.layer = nn.Sequential(
            nn.Conv2d(d1, d2, 3, 1, 1, bias=False), nn.BatchNorm2d(d2), nn.ReLU(),
            nn.Conv2d(d2, d2, 3, 1, 1, bias=False), nn.BatchNorm2d(d2))
        self.skip = nn.Identity() if d1 == d2 else nn.Conv2d(d1, d2, 1)

    def forward(self, x):
        return F.relu(self.layer(x) + self.skip(x))


def _avg_pool(x, factor):
    return pool(x, factor, F.avg_pool2d)


def _upsample(x, factor, form):
    return upsample(x, factor, form, align_corners=False)  # the authors' setting


class EdgePoint2Stage1(nn.Module):
    """EdgePoint2 up to the score logits and the descriptor map."""

    def __init__(self, spec, form='exact', nms_in_graph=False):
        super().__init__()
        self.spec, self.form, self.nms_in_graph = spec, form, nms_in_graph
        c1, c2, c3, c4, cdesc, cdet = (spec.c1, spec.c2, spec.c3, spec.c4, spec.dim,
                                       spec.cdetect)
        self.block1 = nn.Sequential(BasicLayer(1, c1, 4, 2, 1), BasicLayer(c1, c2),
                                    ResNetLayer(c2, c2))
        self.block2 = ResNetLayer(c2, c3)
        self.block3 = ResNetLayer(c3, c4)
        width = c2 + c3 + c4
        self.desc_head = nn.Sequential(nn.Conv2d(width, width, 1),
                                       BasicLayer(width, width, groups=width // 16),
                                       nn.Conv2d(width, cdesc, 1))
        self.conv1 = nn.Conv2d(c2, cdet, 1)
        self.conv2 = nn.Conv2d(c3, cdet, 1)
        self.conv3 = nn.Conv2d(c4, cdet, 1)
        self.score_head = nn.Sequential(
            nn.Conv2d(cdet, cdet, 3, padding=1), nn.ReLU(),
            nn.Conv2d(cdet, cdet, 3, padding=1), nn.ReLU(),
            nn.Conv2d(cdet, 4, 3, padding=1), nn.PixelShuffle(2))

    def forward(self, image):
        """Normalised grey image 1x1xHxW (H, W multiples of 32) -> stage-1 outputs."""
        x1 = self.block1(image)
        a = _avg_pool(x1, 2)
        x2 = self.block2(_avg_pool(a, 2))
        x3 = self.block3(_avg_pool(x2, 4))
        desc = self.desc_head(torch.cat(
            [a, _upsample(x2, 2, self.form), _upsample(x3, 8, self.form)], dim=1))
        s = self.conv1(x1) + _upsample(self.conv2(x2), 4, self.form) \
            + _upsample(self.conv3(x3), 16, self.form)
        scores = self.score_head(s)
        outputs = [scores]
        if self.nms_in_graph:
            outputs.append(nms_max_filter(scores))
        if self.form == 'exact':
            desc = desc.permute(0, 2, 3, 1)  # channels last for the host's gathers
        return tuple(outputs + [desc])


def output_names(nms_in_graph):
    """Names of the stage-1 outputs, in order."""
    return ['scores'] + (['scores_max'] if nms_in_graph else []) + ['desc']


def load(spec, weights, form='exact', nms_in_graph=False):
    """Build the network and load a published state dict, every key checked."""
    net = EdgePoint2Stage1(spec, form, nms_in_graph)
    state = torch.load(weights, map_location='cpu', weights_only=True)
    net.load_state_dict(state, strict=True)
    net.block1[0].layer[0] = as_5x5(net.block1[0].layer[0])
    return net.eval()


def build(spec, weights, form, nms_in_graph):
    """Return (network, output names, input channels) for the generic exporter."""
    return load(spec, weights, form, nms_in_graph), output_names(nms_in_graph), 1
