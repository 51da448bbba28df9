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

"""ALIKE keypoints and frame-to-frame matching for ROS 2 (core importable without rclpy)."""

__version__ = '0.1.0'

import os

# OpenBLAS (numpy's matmuls: stage-2 descriptors, the matcher) keeps its workers spinning for
# ~0.1 s after each call, which takes a core from ONNX Runtime's next frame: stage 1 measured
# 19 -> 15 ms without the spin. Read once, when numpy loads OpenBLAS, so it is set here (the
# programs import this package first); the environment still wins.
os.environ.setdefault('OPENBLAS_THREAD_TIMEOUT', '4')
