# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Start, spin and stop the nodes of a program.

A start-up error prints one line that says what to fix (exit code 2). SIGINT and SIGTERM ask
once for a clean stop: the spin loop ends, each node stops its worker after the frame in hand,
the nodes are destroyed, then the context is shut down, in that order. Signals that arrive
while that is under way (a second Ctrl-C, a terminal's SIGINT to the whole process group after
launch's own) are ignored instead of interrupting the teardown halfway.
"""

import sys

import rclpy
from rclpy.exceptions import ParameterException
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.signals import SignalHandlerOptions

from alike_ros.errors import ModelFileError, ProviderError
from alike_ros.nodes.managed import StartupError
from alike_ros.runtime import exit_with_parent, limit_blas_threads, stop_on_signals, tune_malloc

# What a bad parameter, model file or provider raises at start-up.
STARTUP_ERRORS = (ValueError, OSError, ModelFileError, ProviderError, ImportError,
                  StartupError, ParameterException)


def spin_until(executor, stop):
    """Spin until `stop` is set (polled every 0.1 s: Python runs signal handlers between calls)."""
    while not stop.is_set():
        try:
            executor.spin_once(timeout_sec=0.1)
        except ExternalShutdownException:
            return


def init_program(args=None):
    """Process set-up of a node program: malloc, BLAS threads, parent watch, rclpy's signals."""
    tune_malloc()
    limit_blas_threads()
    exit_with_parent()
    stop = stop_on_signals()
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    return stop


def finish_program(nodes, executor=None):
    """Destroy the nodes (newest first), then the executor and the context."""
    for node in reversed(nodes):
        node.destroy_node()
    if executor is not None:
        executor.shutdown()
    rclpy.try_shutdown()


def run_nodes(node_classes, args=None, program='alike_ros'):
    """
    Create the nodes in one process and spin them on one executor thread.

    The detector computes on its own worker thread, so callbacks stay short. rclpy's
    MultiThreadedExecutor was measured here to stall callbacks for 0.2-1 s under this load
    (frames lost at 5 Hz); the single-threaded one kept every frame.
    """
    stop = init_program(args)
    nodes, executor = [], None
    try:
        try:
            for cls in node_classes:
                nodes.append(cls())
        except STARTUP_ERRORS as err:
            print(f'[{program}] error: {err}', file=sys.stderr, flush=True)
            return 2
        executor = SingleThreadedExecutor()
        for node in nodes:
            executor.add_node(node)
        spin_until(executor, stop)
        return 0
    finally:
        finish_program(nodes, executor)
