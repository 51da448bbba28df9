# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""ALIKE (Zhao et al.): alike-t, -s, -n, -l; DKD keypoints and descriptors at the keypoints."""

from dataclasses import dataclass

from alike_ros import paths
from alike_ros.extractors import base
from alike_ros.extractors.alike.head import head_path
from alike_ros.extractors.alike.stage2 import Stage2


@dataclass(frozen=True)
class AlikeSpec:
    """Shape of one published ALIKE network (names as in its state dict)."""

    name: str
    c1: int
    c2: int
    c3: int
    c4: int
    dim: int  # descriptor size
    single_head: bool
    radius: int = 2
    family: str = 'alike'


MODELS = {
    'alike-t': AlikeSpec('alike-t', 8, 16, 32, 64, 64, True),
    'alike-s': AlikeSpec('alike-s', 8, 16, 48, 96, 96, True),
    'alike-n': AlikeSpec('alike-n', 16, 32, 64, 128, 128, True),
    'alike-l': AlikeSpec('alike-l', 32, 64, 128, 128, 128, False),
}

FAMILY = base.Family(
    name='alike',
    models=MODELS,
    stage2=Stage2,
    exporter='alike_ros.extractors.alike.export',
    weights=base.WeightsSource('ALIKE_ROS_WEIGHTS',
                               lambda: paths.shared_dir() / 'weights' / 'alike',
                               lambda spec: f'{spec.name}.pth'),
    # dense: the seed paper's split (dense descriptor map), for benchmarks; exact_conv: the
    # score projections as one-channel convolutions (faster on some CPUs).
    forms=('exact', 'tidl', 'dense', 'exact_conv'),
    input_doc='RGB pixels in 0..255, float32, 1x3xHxW',
    sidecars=(head_path,),
    defaults={'nms_iterations': 2},  # the public code's
    summary='ALIKE (Zhao et al., BSD-3): sub-pixel keypoints (DKD), the reference family',
)
