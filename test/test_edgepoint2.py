# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""EdgePoint2 backend: every checkpoint, the TIDL form, and matching through the nodes."""

import numpy as np
import onnx
import pytest

from alike_ros.export.onnx_export import ensure_model
from alike_ros.extractors import get_spec, weights_path
from alike_ros.extractors.edgepoint2 import MODELS as EDGEPOINT2_MODELS
from alike_ros.paths import shared_dir
from alike_ros.tools import tidl
from alike_ros.tools.bag import make_bag
from alike_ros.tools.replay import replay
from conftest import require_shared, require_torch

require_shared()
require_torch()
# The checkpoints load and export with torch: where it is installed, it must import.
import torch  # noqa: E402
from alike_ros.extractors.edgepoint2 import export as edgepoint2  # noqa: E402

NAMES = sorted(EDGEPOINT2_MODELS)


def test_fourteen_published_sub_models():
    assert len(NAMES) == 14 and 'edgepoint2-T64' not in NAMES


@pytest.mark.parametrize('name', NAMES)
def test_checkpoint_loads_strictly_and_exports_for_tidl(name):
    spec = get_spec(name)
    net = edgepoint2.load(spec, weights_path(name))  # load_state_dict(strict=True) inside
    assert net.desc_head[2].out_channels == spec.dim
    findings, problems = tidl.check(onnx.load(ensure_model(name, 480, 640, form='tidl')))
    assert not problems and all(f.ok for f in findings), tidl.report(findings, problems)


def test_4x4_stride2_layer_becomes_an_equal_5x5_one():
    spec = get_spec('edgepoint2-E64')
    reference = edgepoint2.EdgePoint2Stage1(spec)
    reference.load_state_dict(torch.load(weights_path(spec.name), map_location='cpu',
                                         weights_only=True))
    net = edgepoint2.load(spec, weights_path(spec.name))
    assert net.block1[0].layer[0].kernel_size == (5, 5)
    x = torch.randn(1, 1, 64, 96)
    with torch.no_grad():
        for a, b in zip(reference.eval()(x), net(x)):
            assert torch.equal(a, b)


def test_matches_through_the_nodes(tmp_path):
    bag = tmp_path / 'tum'
    make_bag(shared_dir() / 'data' / 'tum', bag, rate=10.0)
    result = replay(bag, rate_scale=0.5, params={'model': 'edgepoint2-S48'})
    assert result.keypoint_msgs == 20  # a reliable input loses no frame to a busy detector
    ratios = []
    for stamp in sorted(result.matches)[1:]:
        msg, match = result.keypoints[stamp][1], result.matches[stamp]
        assert (msg.descriptor_size, msg.model) == (48, 'edgepoint2-S48')
        assert match.valid, match.reason
        ratios.append(match.num_inliers / match.num_matches)
    # Measured with the family's own threshold: median inlier ratio 0.860 (lowest 0.708) on
    # these frames; the floors leave about 0.05.
    print(f'inlier ratio median {np.median(ratios):.3f}, lowest {min(ratios):.3f}')
    assert np.median(ratios) > 0.81 and min(ratios) > 0.65, ratios
