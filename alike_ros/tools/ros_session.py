# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The tools' own ROS graphs (replay, soak): a private context spun by one executor thread."""

import threading

import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor

from alike_ros.runtime import use_large_frame_transport


class RosSession:
    """
    A private rclpy context whose nodes one SingleThreadedExecutor spins in a thread.

    Use as a context manager: leaving it stops the executor, destroys the nodes added and
    shuts the context down. Exceptions the executor raises are kept in `errors`.
    """

    def __init__(self, domain_id=None):
        """Create the context (after the transport settings every participant inherits)."""
        use_large_frame_transport()
        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain_id)
        # Single-threaded: see nodes/runner.py for why.
        self.executor = SingleThreadedExecutor(context=self.context)
        self.nodes, self.errors, self._thread = [], [], None

    def add(self, *nodes):
        """Spin these nodes too; return the first."""
        for node in nodes:
            self.nodes.append(node)
            self.executor.add_node(node)
        return nodes[0]

    def start(self):
        """Start spinning in a daemon thread."""
        def spin():
            try:
                self.executor.spin()
            except Exception as err:  # reported by the tool (the soak must see none)
                self.errors.append(repr(err))
        self._thread = threading.Thread(target=spin, daemon=True)
        self._thread.start()

    def close(self):
        """Stop the executor, destroy the nodes, shut the context down."""
        self.executor.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for node in self.nodes:
            node.destroy_node()
        rclpy.try_shutdown(context=self.context)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
