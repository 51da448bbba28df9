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

"""Start, spin and stop nodes: one actionable line on a start-up error, quiet on SIGINT/TERM."""

import sys

import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor

from alike_ros.detector import ModelFileError
from alike_ros.runtime import tune_malloc
from alike_ros.stage1 import ProviderError

# What a bad parameter, model file or provider raises at start-up.
STARTUP_ERRORS = (ValueError, FileNotFoundError, ModelFileError, ProviderError, ImportError)


def run_nodes(node_classes, args=None, program='alike_ros'):
    """
    Create the nodes in one process and spin them on one executor thread.

    The detector computes on its own worker thread, so callbacks stay short. rclpy's
    MultiThreadedExecutor was measured here to stall callbacks for 0.2-1 s under this load
    (frames lost at 5 Hz); the single-threaded one kept every frame.
    """
    tune_malloc()
    rclpy.init(args=args)
    nodes = []
    try:
        try:
            nodes = [cls() for cls in node_classes]
        except STARTUP_ERRORS as err:
            print(f'[{program}] error: {err}', file=sys.stderr, flush=True)
            return 2
        executor = SingleThreadedExecutor()
        for node in nodes:
            executor.add_node(node)
        try:
            executor.spin()
        except (KeyboardInterrupt, ExternalShutdownException):
            pass
        except Exception:
            # A signal can shut the context down while the executor builds its wait set; rclpy
            # then raises RCLError instead of ExternalShutdownException. Only that is quiet.
            if rclpy.ok():
                raise
        return 0
    finally:
        for node in nodes:
            node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
