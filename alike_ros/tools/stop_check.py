# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
`alike-ros stop-check`: stop `ros2 launch alike_ros edge.launch.py` while frames flow.

Each run starts the launch (composed or two processes) on a pseudo-terminal with a bag
playing, waits until frames flow, stops it one way and checks: the exit code, no traceback,
no abort ('terminate called', exit -6), every launched process reported clean, and no process
left afterwards. Ways:

- terminal: Ctrl-C typed on the launch's terminal (the kernel signals the foreground group)
- sigint: SIGINT to the launch process only
- group-sigint-twice: SIGINT twice to the whole process group, 0.2 s apart
- sigterm: SIGTERM to the launch process only. ros2 launch then cancels itself and ends on
  that signal (-15) without stopping its children (ROS 2 launch design; ros2/launch#666); the
  nodes stop on their own (they ask for SIGTERM when their parent dies) and none may be left.
- group-sigterm: SIGTERM to the whole process group (what systemd sends); launch ends as
  above, the nodes stop cleanly.

In an interactive launch (a terminal), `ros2 launch` does not forward a SIGINT sent to it
alone: it assumes the terminal signalled the whole group, and after 5 s escalates to SIGTERM,
which the nodes also handle cleanly (`ros2 launch --noninteractive` forwards SIGINT at once).
"""

from dataclasses import dataclass, field
import fcntl
import os
import pty
import signal
import subprocess
import termios
import threading
import time

import psutil

from alike_ros.tools.launching import LaunchedGraph, launch_command

WAYS = ('terminal', 'sigint', 'group-sigint-twice', 'sigterm', 'group-sigterm')
LAUNCH_EXIT = {'sigterm': -15, 'group-sigterm': -15}  # launch's own; 0 for the others
EXPECTED_LOG = {'sigint': ('failed to terminate', 'escalating to')}  # see the docstring
BAD_WORDS = ('Traceback', 'terminate called', 'Aborted', 'process has died',
             'failed to terminate', 'escalating to', 'RCLError')


@dataclass
class StopResult:
    """What one stop did."""

    way: str
    composed: bool
    launch_exit: int = None
    problems: list = field(default_factory=list)
    stop_s: float = 0.0
    output: str = ''

    @property
    def clean(self):
        """Return True when nothing went wrong."""
        return not self.problems


def _take_terminal():
    # In the child: make the pseudo-terminal (stdin) the controlling terminal of the new
    # session, so Ctrl-C written to it signals this process group as a real terminal does.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def stop_once(bag, way, composed=True, flow_s=1.5, startup_timeout_s=60.0, env=None,
              extra_args=()):
    """Launch with `bag` playing, stop it `way` once frames flow; return a StopResult."""
    if way not in WAYS:
        raise ValueError(f"way must be one of {', '.join(WAYS)}, got {way!r}")
    result = StopResult(way, composed)
    master, slave = pty.openpty()
    # Interactive, as from a terminal: this launch does not forward a lone SIGINT at once.
    launch = LaunchedGraph(launch_command(
        f'bag:={bag}', f"composed:={'true' if composed else 'false'}", 'bag_delay:=0.5',
        *extra_args, interactive=True), stdio=slave, preexec=_take_terminal,
        env=dict(env or os.environ, PYTHONUNBUFFERED='1'))
    proc = launch.proc
    os.close(slave)
    chunks = []

    def read():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data.decode(errors='replace'))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    text = lambda: ''.join(chunks)  # noqa: E731
    try:
        deadline = time.monotonic() + startup_timeout_s
        while 'playing' not in text():  # the bag player's line: frames start to flow
            if proc.poll() is not None or time.monotonic() > deadline:
                result.problems.append('frames never flowed')
                raise TimeoutError
            time.sleep(0.1)
        time.sleep(flow_s)
        children = psutil.Process(proc.pid).children(recursive=True)
        t0 = time.monotonic()
        if way == 'terminal':
            os.write(master, b'\x03')
        elif way == 'sigint':
            proc.send_signal(signal.SIGINT)
        elif way == 'group-sigint-twice':
            launch.signal_group(signal.SIGINT)
            time.sleep(0.2)
            launch.signal_group(signal.SIGINT)
        elif way == 'sigterm':
            proc.send_signal(signal.SIGTERM)
        else:
            launch.signal_group(signal.SIGTERM)
        result.launch_exit = proc.wait(timeout=30)
        _, alive = psutil.wait_procs(children, timeout=15)
        result.stop_s = time.monotonic() - t0
        if alive:
            result.problems.append('left running: ' + ', '.join(
                f'{p.pid} {" ".join(p.cmdline()[:3])}' for p in alive))
            for p in alive:
                p.kill()
        expected = LAUNCH_EXIT.get(way, 0)
        if result.launch_exit != expected:
            result.problems.append(f'ros2 launch exited {result.launch_exit}, not {expected}')
    except TimeoutError:
        pass
    except subprocess.TimeoutExpired:
        result.problems.append('ros2 launch did not exit within 30 s')
    finally:
        if launch.running():
            launch.signal_group(signal.SIGKILL)
            proc.wait()
        reader.join(timeout=2)
        os.close(master)
    result.output = text()
    result.problems += [f'output has {w!r}' for w in BAD_WORDS
                        if w in result.output and w not in EXPECTED_LOG.get(way, ())]
    if way not in LAUNCH_EXIT:
        launched = result.output.count('process started with pid')
        finished = result.output.count('process has finished cleanly')
        if finished != launched:
            result.problems.append(f'{finished} of {launched} processes finished cleanly')
    return result
