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

import os
import subprocess
import sys

import pytest


@pytest.mark.flake8
@pytest.mark.linter
def test_flake8():
    # ament_flake8 in a fresh interpreter: flake8 forks worker processes, and forking this
    # test process (which holds DDS and ONNX Runtime threads by now) can deadlock the child.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, '-m', 'ament_flake8.main'], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, 'Found code style errors / warnings:\n' + proc.stdout
