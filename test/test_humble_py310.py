# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The code needs nothing newer than Python 3.10 (ROS 2 Humble's, the TDA4VM SDK's).

vermin (pinned in requirements.txt) reads every file and fails on any 3.11+ syntax, module,
member or argument: `except*`, `tomllib`, `typing.Self`, `datetime.UTC`, `enum.StrEnum`, ...
"""

import importlib.util
from pathlib import Path
import subprocess
import sys

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The package, its launch file and setup.py, and the tests a robot runs (colcon test).
CHECKED = ['alike_ros', 'launch', 'setup.py', 'test']

pytestmark = pytest.mark.skipif(importlib.util.find_spec('vermin') is None,
                                reason='needs vermin (requirements.txt)')


def vermin(*paths):
    """Run vermin in a fresh interpreter (it forks workers); return (exit code, output)."""
    proc = subprocess.run(
        [sys.executable, '-c', 'import sys; from vermin import main; sys.exit(main())',
         '-t=3.10-', '--no-tips', '--violations', '--pessimistic', *map(str, paths)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.linter
def test_the_code_runs_on_python_3_10():
    rc, out = vermin(*CHECKED)
    assert rc == 0, 'needs a Python newer than 3.10 (ROS 2 Humble has 3.10):\n' + out


def test_a_python_3_11_construct_fails_the_check(tmp_path):
    sample = tmp_path / 'new.py'
    sample.write_text('import datetime\n'
                      'import enum\n'
                      'import tomllib\n'
                      'from typing import Self\n'
                      'NOW = datetime.UTC\n'
                      'Kind = enum.StrEnum\n'
                      'try:\n'
                      '    pass\n'
                      'except* ValueError:\n'
                      '    pass\n')
    rc, out = vermin(sample)
    assert rc != 0, out
    for construct in ('datetime.UTC', 'enum.StrEnum', 'tomllib', 'typing.Self', 'except*'):
        assert construct in out, out
