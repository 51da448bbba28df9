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


READY = {'detector_node': ['listening on'], 'matcher_node': ['matching with'],
         'alike_graph': ['listening on', 'matching with']}


def _wait_ready(proc, words, timeout=90):
    # Each node logs a ready line on stderr (rclpy's console logger) at the end of start-up;
    # signalling before that would test interrupted start-up, not shutdown.
    deadline = time.monotonic() + timeout
    lines, pending = [], list(words)
    while pending and time.monotonic() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if pending[0] in line:
            pending.pop(0)
        elif proc.poll() is not None:
            break
    assert not pending, 'not ready: ' + ''.join(lines)


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize('names', [('alike_graph',), ('detector_node', 'matcher_node')])
def test_clean_shutdown(names, sig):
    procs = [_start(n) for n in names]
    try:
        for name, proc in zip(names, procs):
            _wait_ready(proc, READY[name])
        time.sleep(0.5)
        for proc in procs:
            proc.send_signal(sig)
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            assert 'Traceback' not in err + out and 'ERROR' not in err + out, err
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
