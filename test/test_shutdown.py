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

"""Clean shutdown of the node executables on SIGINT and SIGTERM, one process and two."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest


def _exe(name):
    return shutil.which(name) or os.path.join(os.path.dirname(sys.executable), name)


def _start(name):
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    return subprocess.Popen([_exe(name), '--ros-args', '-r', f'__ns:=/shutdown_{name}'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_ready(proc, words='listening on', timeout=60):
    # The detector logs its ready line on stderr (rclpy's console logger).
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if words in line:
            return lines
        if proc.poll() is not None:
            break
    raise AssertionError('not ready: ' + ''.join(lines))


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize('names', [('alike_graph',), ('detector_node', 'matcher_node')])
def test_clean_shutdown(names, sig):
    procs = [_start(n) for n in names]
    try:
        for name, proc in zip(names, procs):
            if name != 'matcher_node':
                _wait_ready(proc)
        time.sleep(1.0)
        for proc in procs:
            proc.send_signal(sig)
        for proc in procs:
            out, err = proc.communicate(timeout=30)
            assert proc.returncode == 0, err
            assert 'Traceback' not in err + out and 'ERROR' not in err + out, err
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
