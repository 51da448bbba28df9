# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Learned keypoints, tracks and motion for ROS 2, usable as a library without ROS.

    import cv2
    from alike_ros import Detector, DetectorConfig, Frame, FrontEnd, MatcherConfig

    detector = Detector(DetectorConfig(model='alike-t'))
    front = FrontEnd(MatcherConfig(geometry='essential'))  # with a Camera per frame
    for i, image in enumerate(images):                     # RGB uint8 arrays
        f = detector.detect(image)
        result = front.process(Frame(f.keypoints, f.descriptors, scores=f.scores), i, camera)

The names below load their modules on first use, so `import alike_ros` stays cheap.
"""

__version__ = '0.1.0'

import importlib
import os

# name -> module that defines it: the public API.
_API = {
    'Detector': 'alike_ros.detector', 'Features': 'alike_ros.detector',
    'DetectorConfig': 'alike_ros.config', 'MatcherConfig': 'alike_ros.config',
    'FrontEnd': 'alike_ros.frontend', 'FrameResult': 'alike_ros.frontend',
    'Frame': 'alike_ros.matchers.base', 'Camera': 'alike_ros.geometry.camera',
    'FAMILIES': 'alike_ros.extractors', 'MODEL_NAMES': 'alike_ros.extractors',
    'METHODS': 'alike_ros.matchers',
}
__all__ = sorted(_API)


def __getattr__(name):
    """Import a public name's module on first use."""
    if name not in _API:
        raise AttributeError(f"module 'alike_ros' has no attribute '{name}'")
    return getattr(importlib.import_module(_API[name]), name)


# OpenBLAS (numpy's matmuls: stage-2 descriptors, the matcher) keeps its workers spinning for
# ~0.1 s after each call, which takes a core from ONNX Runtime's next frame: stage 1 measured
# 19 -> 15 ms without the spin. Read once, when numpy loads OpenBLAS, so it is set here (the
# programs import this package first); the environment still wins.
os.environ.setdefault('OPENBLAS_THREAD_TIMEOUT', '4')
