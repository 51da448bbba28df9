# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The node programs' process settings: one BLAS thread unless the environment says otherwise."""

import json
import os
import subprocess
import sys

CODE = ('import json, numpy\n'
        'from threadpoolctl import threadpool_info\n'
        'from alike_ros.nodes.runner import init_program, finish_program\n'
        'init_program([])\n'
        "print(json.dumps([p['num_threads'] for p in threadpool_info() "
        "if p['user_api'] == 'blas']))\n"
        'finish_program([])\n')


def blas_threads(**env):
    out = subprocess.run([sys.executable, '-c', CODE], capture_output=True, text=True,
                         timeout=60, env={**os.environ, **env})
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.splitlines()[-1])


def test_a_node_program_runs_blas_on_one_thread():
    assert set(blas_threads()) == {1}


def test_the_environment_overrides_it():
    assert set(blas_threads(ALIKE_ROS_BLAS_THREADS='2')) == {2}
    # 0: the library's own choice (here every core, or OPENBLAS_NUM_THREADS).
    assert set(blas_threads(ALIKE_ROS_BLAS_THREADS='0', OPENBLAS_NUM_THREADS='2')) == {2}
