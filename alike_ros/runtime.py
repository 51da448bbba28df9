# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Process-level settings for the programs of this package (CLI, nodes), not for library use."""

import ctypes
import ctypes.util
import faulthandler
import os
import signal
import sys
import threading

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_PR_SET_PDEATHSIG = 1


def tune_malloc():
    """
    Keep freed per-frame buffers in the heap instead of returning them to the kernel.

    Stage 2 allocates a few MB of temporaries per frame; glibc serves those with fresh mmaps,
    so every frame pays the page faults again (measured: stage 2 at 2000 keypoints 2x slower).
    Returns True when glibc accepted the settings.
    """
    name = ctypes.util.find_library('c')
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, 256 << 20)
                    and libc.mallopt(_M_TRIM_THRESHOLD, 512 << 20))
    except (OSError, AttributeError):
        return False


def limit_blas_threads(default=1):
    """
    Run numpy's BLAS (the matcher's and stage 2's matmuls) on `default` threads.

    A graph process shares the cores with ONNX Runtime's threads: a BLAS call that wakes a
    second thread waits for a core the detector holds. Measured in the composed graph at
    30 Hz on 2 cores: the matcher 20-23 -> 10.5 ms a frame, stage 1 37 -> 29 ms with one
    thread (docs/performance.md). ALIKE_ROS_BLAS_THREADS overrides it (0: the library's own
    choice). Returns the limit set, or None where threadpoolctl or a BLAS is missing.
    """
    threads = int(os.environ.get('ALIKE_ROS_BLAS_THREADS', default))
    if threads <= 0:
        return None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    threadpool_limits(threads, user_api='blas')
    return threads


def exit_with_parent(sig=signal.SIGTERM):
    """
    Ask Linux to send `sig` to this process when its parent dies.

    A node started by `ros2 launch` then stops cleanly even when launch itself is killed,
    instead of running on with no parent. Returns True where the kernel accepted it.
    """
    name = ctypes.util.find_library('c')
    if not name or not sys.platform.startswith('linux'):
        return False
    try:
        return ctypes.CDLL(name).prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def program_path(name):
    """
    Return the path of a program (ros2, a node executable): on PATH, else beside this Python.

    The venv's programs are found without activating it; a sourced workspace's on PATH.
    """
    import shutil
    path = shutil.which(name) or os.path.join(os.path.dirname(sys.executable), name)
    if not os.path.exists(path):
        raise FileNotFoundError(f'{name} not found on PATH nor beside {sys.executable}: '
                                'run make setup (or source your ROS workspace)')
    return path


# A stop still under way after this many seconds prints every thread's stack to stderr: launch
# escalates to SIGTERM after 5 s, which the teardown ignores, and to SIGKILL 10 s later, so a
# teardown stuck in a C call (a DDS call) would otherwise end without a word of where it was.
# Once, in a CI-like run, a standalone matcher_node did so.
STOP_DUMP_S = 4.0


def stop_on_signals(dump_after=STOP_DUMP_S):
    """
    Return an Event set by the first SIGINT or SIGTERM; later signals change nothing.

    Used with rclpy.init(signal_handler_options=NO): a program then ends its own loop and
    tears down in order, and a second Ctrl-C (or a terminal's SIGINT to the whole process
    group after launch's own) cannot interrupt the teardown halfway. A stop that has not
    ended the process `dump_after` seconds later prints every thread's stack (faulthandler;
    0: never).
    """
    stop = threading.Event()

    def handler(*_):
        stop.set()
        # Ignore, not just note, later signals: CPython resets its own handlers to the default
        # while the interpreter exits, and a second Ctrl-C would then kill the process (-2).
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_IGN)
        if dump_after:
            faulthandler.dump_traceback_later(dump_after, exit=False)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)
    return stop


def use_large_frame_transport():
    """
    Point Fast DDS at config/fastdds_large_frames.xml unless a profile is set already.

    Read when the process's first DDS participant starts (rclpy.init), and inherited by the
    processes it starts: call it before either.
    """
    from alike_ros.paths import config_file
    os.environ.setdefault('FASTRTPS_DEFAULT_PROFILES_FILE',
                          str(config_file('fastdds_large_frames.xml')))


def cpu_summary():
    """
    Name the CPU and its widest vector extension, to print beside every timing.

    ONNX Runtime's and OpenBLAS's kernels differ between AVX-512 and AVX2 machines, and so
    do the figures.
    """
    model, flags = 'unknown CPU', set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name' and model == 'unknown CPU':
                    model = value.strip()
                elif key.strip() == 'flags':
                    flags = set(value.split())
                    break
    except OSError:
        pass
    isa = 'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'
    return f'{model}, {os.cpu_count()} cores, {isa}'
