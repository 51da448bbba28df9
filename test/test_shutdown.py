# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Clean stops of `ros2 launch alike_ros edge.launch.py` while a bag's frames flow.

Every way of alike_ros/stop_check.py (Ctrl-C on a terminal, SIGINT to launch, SIGINT twice to
the process group, SIGTERM to launch or to the group), composed and in two processes: exit
code, no traceback, no abort, every process clean, none left. `alike-ros stop-check` repeats
this many times.
"""

import pytest

from alike_ros.tools.bag import make_bag
from alike_ros.tools.stop_check import stop_once, WAYS
from conftest import require_shared, TUM

require_shared()


@pytest.fixture(scope='module')
def bag(tmp_path_factory):
    path = tmp_path_factory.mktemp('stop') / 'tum'
    make_bag(TUM, path, rate=10.0, loops=10)  # 20 s: still flowing when the stop comes
    return path


@pytest.mark.parametrize('way', WAYS)
@pytest.mark.parametrize('composed', [True, False], ids=['composed', 'two_processes'])
def test_launch_stops_cleanly(bag, way, composed):
    result = stop_once(bag, way, composed)
    assert result.clean, '; '.join(result.problems) + '\n' + result.output[-3000:]


def test_use_rviz_without_rviz2_runs_the_graph_and_says_so(bag):
    result = stop_once(bag, 'terminal', extra_args=['use_rviz:=true'])
    assert result.clean, '; '.join(result.problems)
    assert 'rviz2 is not installed' in result.output
    assert 'listening on' in result.output and 'matching with' in result.output


def test_a_stop_still_under_way_says_where_it_stands():
    """After dump_after seconds a stop prints every thread's stack; a quick one prints nothing."""
    import subprocess
    import sys
    import textwrap
    script = textwrap.dedent('''
        import os, signal, sys, time
        from alike_ros.runtime import stop_on_signals
        stop = stop_on_signals(dump_after=float(sys.argv[1]))
        os.kill(os.getpid(), signal.SIGINT)
        while not stop.is_set():
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)  # ignored while the stop is under way

        def teardown_stuck_here():
            time.sleep(1.0)

        teardown_stuck_here()
        print('ended')
    ''')

    def run(dump_after):
        out = subprocess.run([sys.executable, '-c', script, str(dump_after)],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and 'ended' in out.stdout, out.stderr
        return out.stderr

    stuck = run(0.3)
    assert 'most recent call first' in stuck and 'teardown_stuck_here' in stuck
    assert run(30.0) == ''
