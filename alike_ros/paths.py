# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Where files live: the shared folder, weights, the model cache, the package's config/."""

import os
from pathlib import Path

# The repository checkout this module lives in, when it runs from one (editable install).
_REPO = Path(__file__).resolve().parent.parent


def shared_dir():
    """Folder with weights/, data/ and reference/: $ALIKE_ROS_SHARED or ../shared of the repo."""
    return Path(os.environ.get('ALIKE_ROS_SHARED', _REPO.parent / 'shared'))


def tum_dir():
    """Folder of the shared TUM frames: the demo, benchmarks and calibration images."""
    return shared_dir() / 'data' / 'tum'


def config_file(name):
    """Path of a file in the package's config/ folder (installed share, or the checkout)."""
    try:
        from ament_index_python.packages import get_package_share_directory
        path = Path(get_package_share_directory('alike_ros')) / 'config' / name
        if path.is_file():
            return path
    except Exception:  # not in an ament index (a plain checkout)
        pass
    return _REPO / 'config' / name


def model_dir():
    """Where exported ONNX models are cached: $ALIKE_ROS_MODELS or ~/.cache/alike_ros/models."""
    default = Path.home() / '.cache' / 'alike_ros' / 'models'
    return Path(os.environ.get('ALIKE_ROS_MODELS', default))


def nms_in_graph(form, flag=None):
    """
    Whether a stage-1 model of `form` holds the NMS max filter; `flag` None: the form's default.

    In the graph where an accelerator runs it (tidl); the host filter is faster on CPU; the
    dense form never has it.
    """
    return form == 'tidl' if flag is None else bool(flag) and form != 'dense'


def onnx_name(name, height, width, form='exact', nms=None):
    """
    Return the file name of a stage-1 model; `form`: exact, exact_conv, tidl or dense.

    Everything that changes the file is in its name: a model whose NMS placement `nms` (see
    nms_in_graph) is not its form's default says so (`_nms_graph`, `_nms_host`), so the two
    variants never overwrite each other in one folder.
    """
    suffix = '' if form == 'exact' else f'_{form}'
    placed = nms_in_graph(form, nms)
    if placed != nms_in_graph(form):
        suffix += '_nms_graph' if placed else '_nms_host'
    return f'{name}_{height}x{width}{suffix}.onnx'


def int8_path(onnx_path):
    """Name of the int8 (quantised) variant of a stage-1 model."""
    p = Path(onnx_path)
    return p.with_name(p.stem + '_int8.onnx')
