# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The seed paper's dense split, for measuring this package against it.

Stage 1 returns the whole descriptor head at full resolution (the family's 'dense' export
form) and stage 2 L2-normalises the whole map before sampling it at the keypoints: what the
student paper ran on the BeagleBone. A family that has it defines `DenseStage2` in its
stage2 module; nothing in the product reads it.
"""

import importlib

from alike_ros import extractors
from alike_ros.detector import Detector


def dense_stage2(model):
    """Return the DenseStage2 class of a model's family, or None where it has none."""
    family = extractors.family_of(model)
    module = importlib.import_module(family.stage2.__module__)
    return getattr(module, 'DenseStage2', None) if 'dense' in family.forms else None


class DenseDetector(Detector):
    """A Detector that runs the dense split of its model (stage 1 and 2 as the paper's)."""

    def stage2_class(self):
        """Return the family's DenseStage2; ValueError where it has none."""
        cls = dense_stage2(self.config.model)
        if cls is None:
            raise ValueError(f'{self.config.model} has no dense split')
        return cls

    def model_file(self, net_h, net_w):
        """Return the dense form's model file (exported on first use; needs torch)."""
        from alike_ros.export.onnx_export import ensure_model
        cfg = self.config
        return ensure_model(cfg.model, net_h, net_w, cfg.model_dir or None, None, 'dense',
                            False)


def beside(config):
    """Return {'dense': DenseDetector} for bench.run's `extra`, or {} without a dense split."""
    return {'dense': DenseDetector(config)} if dense_stage2(config.model) else {}
