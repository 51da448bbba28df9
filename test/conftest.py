# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Test set-up shared by every test: an isolated DDS domain, and the skips the README names.

Only two things skip, each saying so in its reason (`pytest -rs`): what needs the shared
folder (weights, TUM frames, reference outputs; absent on a robot) and what needs torch (the
development extra: exports, the public reference code). A module that needs one throughout
calls require_shared() / require_torch() at its top level; a test that needs one among
others that do not is marked @needs_shared / @needs_torch. Anything else that cannot import
fails: a broken install is an error, not a skip.
"""

import importlib.util
import os
from pathlib import Path
import re
import sys

# Tests of parallel runs on one machine must not hear each other: a domain no other run holds
# (a lock per domain, held until this process exits); child processes inherit it.
if 'ROS_DOMAIN_ID' not in os.environ:
    from alike_ros.tools.dds_domain import claim_domain
    os.environ['ROS_DOMAIN_ID'] = str(claim_domain())
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
HAVE_SHARED = TUM.is_dir()
# Looked up, not imported (slow): where torch is installed, its tests import it for real.
HAVE_TORCH = importlib.util.find_spec('torch') is not None

SHARED_MISSING = (f'needs {SHARED} (weights, TUM frames, reference outputs): put the shared '
                  'folder beside the checkout or set ALIKE_ROS_SHARED')
TORCH_MISSING = ('needs torch (exports, the public reference code): the development extra, '
                 'which tools/setup.sh installs')

needs_shared = pytest.mark.skipif(not HAVE_SHARED, reason=SHARED_MISSING)
needs_torch = pytest.mark.skipif(not HAVE_TORCH, reason=TORCH_MISSING)


def require_shared():
    """Mark a test module as needing ../shared throughout (see pytest_pycollect_makemodule)."""
    if not HAVE_SHARED:
        pytest.skip(SHARED_MISSING, allow_module_level=True)


def require_torch():
    """Mark a test module as needing torch throughout (see pytest_pycollect_makemodule)."""
    if not HAVE_TORCH:
        pytest.skip(TORCH_MISSING, allow_module_level=True)


def missing(text):
    """Return the skip reasons of a module's top-level require_*() calls that do not hold."""
    reasons = []
    for call, present, reason in (('require_shared', HAVE_SHARED, SHARED_MISSING),
                                  ('require_torch', HAVE_TORCH, TORCH_MISSING)):
        if not present and re.search(rf'^{call}\(\)', text, re.M):
            reasons.append(reason)
    return reasons


class _Missing(pytest.File):
    """Stands in for a module whose requirements are absent: one skipped item."""

    reasons = ()

    def collect(self):
        item = _Skipped.from_parent(self, name='needs_' + '_and_'.join(
            'shared' if r == SHARED_MISSING else 'torch' for r in self.reasons))
        item.reasons = self.reasons
        yield item


class _Skipped(pytest.Item):

    def runtest(self):
        # Reported at the module, as a skip marker's are.
        raise pytest.skip.Exception('; '.join(self.reasons), _use_item_location=True)

    def reportinfo(self):
        return self.path, 0, self.name


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path, parent):
    """
    Skip, with the reasons, the modules whose top-level require_*() calls do not hold.

    They are not imported: launch_testing's plugin imports every module from this hook, and a
    skip raised there would skip the whole folder. Only top-level calls count: a test that
    needs the shared folder among others that do not is marked @needs_shared instead.
    """
    reasons = missing(module_path.read_text())
    if reasons:
        module = _Missing.from_parent(parent, path=module_path)
        module.reasons = reasons
        return module
    return None
