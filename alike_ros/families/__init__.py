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

"""
Stage 2 per model family, all with one shape (LightGlue's extractor interface).

Each family module defines `Stage2` (see base.Stage2): it prepares the network input from a
uint8 image and turns stage 1's outputs into keypoints, scores and unit descriptors. A new
family is one new module here, named as its specs' `family` in models.py.
"""

import importlib


def stage2_class(family):
    """Return the Stage2 class of a model family ('alike', 'edgepoint2', ...)."""
    return importlib.import_module(f'alike_ros.families.{family}').Stage2
