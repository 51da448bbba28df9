# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

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
