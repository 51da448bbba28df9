# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Starting and stopping `ros2 launch alike_ros edge.launch.py`: the one way every tool does it.

The launch runs in a session of its own (its process group holds every node it starts), with
SIGINT restored to the default in the child: a shell's background job (`&`, nohup, some CI
runners) starts with SIGINT ignored, and a launch that inherits that never stops on Ctrl-C.
Its output goes to a log (a path, a file, or a temporary file that `output()` reads back).
`stop()` sends SIGINT, waits a bounded time, and kills the whole group as the last resort,
saying so in `problems`.
"""

import os
import signal
import subprocess
import tempfile
import time

from alike_ros.runtime import program_path


def launch_command(*args, package='alike_ros', launch_file='edge.launch.py',
                   interactive=False):
    """Return the `ros2 launch` command line of the package's launch file with ARG:=VALUE."""
    cmd = [program_path('ros2'), 'launch']
    if not interactive:
        cmd.append('--noninteractive')  # SIGINT is forwarded to the nodes at once
    return cmd + [package, launch_file, *args]


def _default_sigint(then=None):
    def preexec():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if then is not None:
            then()
    return preexec


class LaunchedGraph:
    """
    One `ros2 launch` process group: start, read its output, stop it cleanly.

    `log`: a path or an open file for stdout and stderr (default: a temporary file);
    `stdio`: an fd for stdin, stdout and stderr instead (a pseudo-terminal), with `preexec`
    run in the child after SIGINT is restored (e.g. to take that terminal).
    """

    def __init__(self, cmd, log=None, env=None, stdio=None, preexec=None):
        self.cmd, self.env = list(cmd), env
        self.problems = []
        self.exit_code = None
        self._own_log = log is None or isinstance(log, (str, os.PathLike))
        self.log = (tempfile.TemporaryFile('w+') if log is None
                    else open(log, 'w+') if self._own_log else log)
        kw = ({'stdin': stdio, 'stdout': stdio, 'stderr': stdio, 'close_fds': True}
              if stdio is not None else {'stdout': self.log, 'stderr': subprocess.STDOUT})
        self.proc = subprocess.Popen(self.cmd, env=env, start_new_session=True,
                                     preexec_fn=_default_sigint(preexec), **kw)
        self.pid = self.proc.pid

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        self.close()

    def running(self):
        """Return whether the launch process is still running."""
        return self.proc.poll() is None

    def output(self):
        """Return what the launch has printed so far (its log file)."""
        self.log.flush()
        if not self.log.readable():
            return ''
        self.log.seek(0)
        return self.log.read()

    def wait_for(self, done, timeout_s, poll_s=0.1):
        """Wait until done() is true, the launch exits or the time is up; return done()."""
        deadline = time.monotonic() + timeout_s
        while not done() and self.running() and time.monotonic() < deadline:
            time.sleep(poll_s)
        return done()

    def signal_group(self, sig):
        """Send a signal to the whole process group (the launch and every node)."""
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout_s=30.0, sig=signal.SIGINT):
        """Stop the launch with `sig` (SIGINT: as Ctrl-C); kill the group past the bound."""
        if self.exit_code is not None:
            return self.exit_code
        if self.running():
            self.proc.send_signal(sig)
        try:
            self.exit_code = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.problems.append(f'ros2 launch did not stop within {timeout_s:.0f} s of '
                                 f'{signal.Signals(sig).name}: killed')
            self.signal_group(signal.SIGKILL)
            self.exit_code = self.proc.wait()
        return self.exit_code

    def close(self):
        """Close the log if this object opened it."""
        if self._own_log and not self.log.closed:
            self.log.close()
