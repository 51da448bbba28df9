# Copyright 2026 alike_ros maintainers
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Where files live: the shared folder, weights, the model cache, the package's config/."""

import os
from pathlib import Path

from alike_ros.models import get_spec

# The repository checkout this module lives in, when it runs from one (editable install).
_REPO = Path(__file__).resolve().parent.parent


def shared_dir():
    """Folder with weights/, data/ and reference/: $ALIKE_ROS_SHARED or ../shared of the repo."""
    return Path(os.environ.get('ALIKE_ROS_SHARED', _REPO.parent / 'shared'))


def tum_dir():
    """Folder of the shared TUM frames: the demo, benchmarks and calibration images."""
    return shared_dir() / 'data' / 'tum'


def weights_path(name, weights_dir=None):
    """
    Return the path of the published weights of a model.

    ALIKE: <weights_dir or $ALIKE_ROS_WEIGHTS or shared weights/alike>/<name>.pth;
    EdgePoint2: <weights_dir or $ALIKE_ROS_EDGEPOINT2_WEIGHTS or shared weights/edgepoint2>/
    <size><dim>.pth (the published file names, e.g. S48.pth).
    """
    spec = get_spec(name)
    if spec.family == 'edgepoint2':
        base = (weights_dir or os.environ.get('ALIKE_ROS_EDGEPOINT2_WEIGHTS')
                or shared_dir() / 'weights' / 'edgepoint2')
        return Path(base) / f'{spec.weights_name}.pth'
    base = weights_dir or os.environ.get('ALIKE_ROS_WEIGHTS') or shared_dir() / 'weights' / 'alike'
    return Path(base) / f'{name}.pth'


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
