# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
ALIKE network, reimplemented to load the published state dicts and export stage 1.

The module names match the state-dict keys, so `load_state_dict(strict=True)` checks every
tensor. `forward` returns what stage 1 hands to stage 2, never the dense descriptor map:

- single-head models (t, s, n): everything after the aggregation ReLUs is linear, so the score
  logit is a sum of four one-channel maps, each computed at its own resolution and upsampled;
  descriptors are computed on the host, only at the keypoints, from the four feature maps.
- alike-l (two-layer head): the score needs the dense head, so the graph runs it but keeps only
  the score channel; descriptors again come from the feature maps on the host.
"""

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from alike_ros.export.layers import nms_max_filter, pool, upsample
from alike_ros.extractors.alike.head import head_path


class ConvBlock(nn.Module):
    """conv3x3-BN-ReLU twice (block1)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(x)))


class ResBlock(ConvBlock):
    """Residual block with a biased 1x1 conv on the identity path (blocks 2-4)."""

    def __init__(self, cin, cout):
        super().__init__(cin, cout)
        self.downsample = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.downsample(x))


class AlikeStage1(nn.Module):
    """The ALIKE network up to where stage 2 takes over (see the module docstring)."""

    SCALES = (1, 2, 8, 32)

    def __init__(self, spec, form='exact', nms_in_graph=True, conv_projections=False):
        super().__init__()
        if form not in ('exact', 'tidl', 'dense'):
            raise ValueError(f"form must be 'exact', 'tidl' or 'dense', not {form!r}")
        self.spec, self.form, self.nms_in_graph = spec, form, nms_in_graph
        # exact form only: the score projections as one-channel 1x1 convolutions on NCHW
        # maps (the `exact_conv` file) instead of MatMuls on channels-last ones.
        self.conv_projections = conv_projections
        c1, c2, c3, c4, dim = spec.c1, spec.c2, spec.c3, spec.c4, spec.dim
        self.block1 = ConvBlock(3, c1)
        self.block2 = ResBlock(c1, c2)
        self.block3 = ResBlock(c2, c3)
        self.block4 = ResBlock(c3, c4)
        q = dim // 4
        self.conv1 = nn.Conv2d(c1, q, 1, bias=False)
        self.conv2 = nn.Conv2d(c2, q, 1, bias=False)
        self.conv3 = nn.Conv2d(c3, q, 1, bias=False)
        self.conv4 = nn.Conv2d(c4, q, 1, bias=False)
        if not spec.single_head:
            self.convhead1 = nn.Conv2d(dim, dim, 1, bias=False)
        self.convhead2 = nn.Conv2d(dim, dim + 1, 1, bias=False)

    def backbone(self, image):
        """Run blocks 1-4; return their outputs, at 1, 1/2, 1/8, 1/32."""
        x1 = self.block1(image)
        x2 = self.block2(pool(x1, 2))
        x3 = self.block3(pool(x2, 4))
        return x1, x2, x3, self.block4(pool(x3, 4))

    def features(self, image, with_x1=False):
        """
        Compute the four aggregation feature maps (after their ReLUs), at 1, 1/2, 1/8, 1/32.

        With `with_x1` also return block1's output, the input of the first map.
        """
        xs = self.backbone(image)
        feats = [F.relu(conv(x)) for conv, x in
                 zip((self.conv1, self.conv2, self.conv3, self.conv4), xs)]
        return (feats, xs[0]) if with_x1 else feats

    @property
    def x1_is_smaller(self):
        """Whether block1's output has fewer channels than the first feature map (t, s, n)."""
        return self.spec.c1 < self.spec.dim // 4

    def score_logit(self, feats):
        """Full-resolution score logit."""
        if self.spec.single_head:
            # Project each scale to its score channel first, then upsample one channel.
            w = self.convhead2.weight[-1:]
            q = feats[0].shape[1]
            logit = None
            for i, (f, s) in enumerate(zip(feats, self.SCALES)):
                part = F.conv2d(f, w[:, i * q:(i + 1) * q])
                part = part if s == 1 else upsample(part, s, self.form)
                logit = part if logit is None else logit + part
            return logit
        dense = torch.cat([f if s == 1 else upsample(f, s, self.form)
                           for f, s in zip(feats, self.SCALES)], dim=1)
        hidden = F.relu(self.convhead1(dense))
        return F.conv2d(hidden, self.convhead2.weight[-1:])

    def forward(self, image):
        """Image (1x3xHxW, RGB in 0..255, H and W multiples of 32) -> stage-1 outputs."""
        if self.form == 'exact' and self.spec.single_head and not self.conv_projections:
            return self._forward_channels_last(image)
        feats, x1 = self.features(image, with_x1=True)
        scores = torch.sigmoid(self.score_logit(feats))
        outputs = [scores]
        if self.x1_is_smaller:
            # The full-resolution output is the largest one: return block1's c1 channels and
            # let the host apply conv1 + ReLU at the few pixels it needs (head sidecar w_feat1).
            feats = [x1] + feats[1:]
        if self.nms_in_graph:
            outputs.append(nms_max_filter(scores))
        if self.form == 'exact':
            # Channels last: stage 2 gathers whole pixels, one contiguous row each. TIDL's
            # form keeps NCHW (no Transpose on the accelerator); the host transposes there.
            feats = [f.permute(0, 2, 3, 1) for f in feats]
        return tuple(outputs + feats)

    def _forward_channels_last(self, image):
        """
        Run the exact form of the single-head models, shaped for ONNX Runtime's CPU kernels.

        Same function as `forward`'s NCHW path. ORT runs convolutions in a blocked layout of
        16 channels (AVX-512), so every one-channel score map there costs 16 channels of
        memory traffic, and block1's 8-channel maps are reordered around each op. Here the
        score projections are MatMuls on the channels-last maps stage 2 reads anyway, and
        the one-channel maps are plain NCHW: 17 -> 12 ms for alike-t at 640x480, 2 threads.
        """
        x1, x2, x3, x4 = self.backbone(image)
        q = self.spec.dim // 4
        w = self.convhead2.weight[-1, :, 0, 0]
        x1 = x1.permute(0, 2, 3, 1)
        f1 = F.relu(x1 @ self.conv1.weight[:, :, 0, 0].t())
        feats = [x1 if self.x1_is_smaller else f1]
        # (1, h, w, 1) and (1, 1, h, w) share one memory order: each Reshape is free.
        logit = (f1 @ w[:q, None]).reshape(1, 1, f1.shape[1], f1.shape[2])
        for i, (conv, x, s) in enumerate(zip((self.conv2, self.conv3, self.conv4),
                                             (x2, x3, x4), self.SCALES[1:]), 1):
            f = F.relu(conv(x)).permute(0, 2, 3, 1)
            feats.append(f)
            part = (f @ w[i * q:(i + 1) * q, None]).reshape(1, 1, f.shape[1], f.shape[2])
            logit = logit + upsample(part, s, 'exact')
        scores = torch.sigmoid(logit)
        outputs = [scores]
        if self.nms_in_graph:
            outputs.append(nms_max_filter(scores))
        return tuple(outputs + feats)


class DenseStage1(nn.Module):
    """
    The seed paper's split, for benchmarks.

    Stage 1 returns the dense head (score map and raw descriptor map); stage 2 L2-normalises
    the whole map.
    """

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image):
        feats = self.net.features(image)
        cat = torch.cat([f if s == 1 else upsample(f, s, 'exact')
                         for f, s in zip(feats, self.net.SCALES)], dim=1)
        if not self.net.spec.single_head:
            cat = F.relu(self.net.convhead1(cat))
        out = self.net.convhead2(cat)
        return torch.sigmoid(out[:, -1:]), out[:, :-1]


def output_names(form, nms_in_graph):
    """Names of the stage-1 outputs, in order."""
    if form == 'dense':
        return ['scores', 'descriptor_map']
    names = ['scores'] + (['scores_max'] if nms_in_graph else [])
    return names + ['feat1', 'feat2', 'feat3', 'feat4']


def load(spec, weights, form='exact', nms_in_graph=True):
    """
    Build the network and load a published state dict, every key checked.

    The weights were trained on pixel / 255; that scale is folded into the first convolution
    (it has no bias), so the network takes pixels in 0..255 and the host never divides.
    """
    net = AlikeStage1(spec, 'exact' if form in ('dense', 'exact_conv') else form, nms_in_graph,
                      conv_projections=form == 'exact_conv')
    state = torch.load(weights, map_location='cpu', weights_only=True)
    net.load_state_dict(state, strict=True)
    with torch.no_grad():
        net.block1.conv1.weight.mul_(1.0 / 255.0)
    return (DenseStage1(net) if form == 'dense' else net).eval()


def build(spec, weights, form, nms_in_graph):
    """Return (network, output names, input channels) for the generic exporter."""
    return load(spec, weights, form, nms_in_graph), output_names(form, nms_in_graph), 3


def write_sidecars(net, spec, form, onnx_path):
    """Save the head weights stage 2 applies at the keypoints beside the model."""
    net = getattr(net, 'net', net)  # the dense form wraps the network
    head = {'w_desc': net.convhead2.weight[:-1, :, 0, 0].detach().numpy()}
    if net.x1_is_smaller and form != 'dense':
        head['w_feat1'] = net.conv1.weight[:, :, 0, 0].detach().numpy()
    if not spec.single_head:
        head['w_hidden'] = net.convhead1.weight[:, :, 0, 0].detach().numpy()
    np.savez(head_path(onnx_path), **{k: v.astype(np.float32) for k, v in head.items()})
