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

"""Test set-up shared by every test: an isolated DDS domain for this run."""

import os
from pathlib import Path
import random
import sys

# Tests of parallel CI runs on one machine must not hear each other; child processes inherit it.
os.environ.setdefault('ROS_DOMAIN_ID', str(random.Random(os.getpid()).randint(1, 100)))
os.environ.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
# As in a sourced workspace: `ros2` and the package's programs beside this interpreter.
os.environ['PATH'] = os.pathsep.join([os.path.dirname(sys.executable), os.environ['PATH']])
# Camera frames do not fit Fast DDS's default transports (see the profile's comment).
os.environ.setdefault('FASTRTPS_DEFAULT_PROFILES_FILE', str(
    Path(__file__).resolve().parent.parent / 'config' / 'fastdds_large_frames.xml'))

from alike_ros.paths import shared_dir  # noqa: E402
import pytest  # noqa: E402

SHARED = shared_dir()
TUM = SHARED / 'data' / 'tum'


SHARED_MISSING = (f'needs {SHARED} (weights, TUM frames, reference outputs): put the shared '
                  'folder beside the checkout or set ALIKE_ROS_SHARED')


def require_shared():
    """Mark a test module as needing ../shared (see pytest_pycollect_makemodule)."""
    if not TUM.is_dir():
        pytest.skip(SHARED_MISSING, allow_module_level=True)


class _SharedMissing(pytest.File):
    """Stands in for a module that needs ../shared where it is absent: one skipped item."""

    def collect(self):
        yield _Skipped.from_parent(self, name='needs_shared')


class _Skipped(pytest.Item):

    def runtest(self):
        pytest.skip(SHARED_MISSING)

    def reportinfo(self):
        return self.path, 0, self.name


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path, parent):
    """
    Skip, with the reason, the modules that call require_shared() where ../shared is absent.

    They are not imported: launch_testing's plugin imports every module from this hook, and a
    skip raised there would skip the whole folder.
    """
    if not TUM.is_dir() and 'require_shared()' in module_path.read_text():
        return _SharedMissing.from_parent(parent, path=module_path)
    return None
