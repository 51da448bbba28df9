# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""EdgePoint2 (Yao et al.): 14 sub-models, integer keypoints, 32/48/64-D descriptors."""

from dataclasses import dataclass

from alike_ros import paths
from alike_ros.extractors import base
from alike_ros.extractors.edgepoint2.stage2 import Stage2


@dataclass(frozen=True)
class EdgePointSpec:
    """Shape of one EdgePoint2 sub-model; dim is the descriptor size (cdesc)."""

    name: str
    c1: int
    c2: int
    c3: int
    c4: int
    dim: int
    cdetect: int
    radius: int = 2  # 5x5 NMS
    border: int = 4  # the authors drop a 4-pixel border
    family: str = 'edgepoint2'

    @property
    def weights_name(self):
        return self.name.split('-', 1)[1]


_SIZES = {  # letter: (c1, c2, c3, c4, cdetect)
    'T': (8, 8, 16, 24, 8), 'S': (8, 8, 24, 32, 8), 'M': (8, 16, 32, 48, 8),
    'L': (8, 16, 48, 64, 8), 'E': (16, 16, 48, 64, 16),
}
MODELS = {
    f'edgepoint2-{size}{dim}': EdgePointSpec(f'edgepoint2-{size}{dim}', *shape[:4], dim,
                                             shape[4])
    for size, shape in _SIZES.items() for dim in (32, 48, 64)
    if f'{size}{dim}' != 'T64'  # not published
}

FAMILY = base.Family(
    name='edgepoint2',
    models=MODELS,
    stage2=Stage2,
    exporter='alike_ros.extractors.edgepoint2.export',
    weights=base.WeightsSource('ALIKE_ROS_EDGEPOINT2_WEIGHTS',
                               lambda: paths.shared_dir() / 'weights' / 'edgepoint2',
                               lambda spec: f'{spec.weights_name}.pth'),  # e.g. S48.pth
    input_doc='grey = channel mean of pixel / 255, instance-normalised, float32, 1x1xHxW',
    defaults={'scores_th': 0.0067, 'nms_iterations': 0},  # the authors' demo: logit -5
    summary='EdgePoint2 (Yao et al., MIT): size T/S/M/L/E, integer keypoints, compact '
            'descriptors',
)
