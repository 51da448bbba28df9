# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
A component container for Python nodes: composition_interfaces' services, as rclcpp_components.

`ros2 run alike_ros component_container` serves `~/_container/load_node`, `unload_node` and
`list_nodes`, so launch_ros's ComposableNodeContainer / LoadComposableNodes and
`ros2 component load|unload|list` work with Python nodes. A plugin is a Node subclass that a
package registers under the entry-point group `rclpy_components`, named like a C++ component:

    entry_points={'rclpy_components': [
        'alike_ros::DetectorNode = alike_ros.nodes.detector_node:DetectorNode']}

The class is called as `cls(node_name, namespace=..., context=..., cli_args=...,
parameter_overrides=..., use_global_arguments=...)` (rclpy.node.Node's own keywords) and
is spun on the container's executor. A request that fails (unknown plugin, invalid
parameters, a node whose start-up raises) is answered with success=false and the reason; the
container and its other nodes keep running.
"""

from importlib.metadata import entry_points
import inspect
import sys

from composition_interfaces.srv import ListNodes, LoadNode, UnloadNode
from rcl_interfaces.msg import ParameterType
from rclpy.executors import SingleThreadedExecutor
from rclpy.logging import LoggingSeverity, set_logger_level
from rclpy.node import Node
from rclpy.parameter import Parameter

from alike_ros.nodes.runner import finish_program, init_program, spin_until

PLUGIN_GROUP = 'rclpy_components'
LOG_LEVELS = {int(s): s.name for s in LoggingSeverity if s != LoggingSeverity.UNSET}


class LoadError(Exception):
    """A load request that cannot be served; the message is the response's error_message."""


def find_plugin(package_name, plugin_name):
    """Return the node class that `package_name` registers as `plugin_name`."""
    found = [ep for ep in entry_points(group=PLUGIN_GROUP)
             if ep.dist is not None and ep.dist.name.replace('-', '_') == package_name]
    if not found:
        raise LoadError(f"package '{package_name}' registers no Python components "
                        f"(entry point group '{PLUGIN_GROUP}')")
    for ep in found:
        if ep.name == plugin_name:
            try:
                return ep.load()
            except Exception as err:
                raise LoadError(f"cannot import {plugin_name} ({ep.value}): "
                                f'{type(err).__name__}: {err}') from err
    names = ', '.join(sorted(ep.name for ep in found))
    raise LoadError(f"package '{package_name}' has no component '{plugin_name}' "
                    f'(it has {names})')


def _extra_arguments(request):
    """Read the container-specific arguments rclcpp_components knows; both are booleans."""
    options = {'use_intra_process_comms': False, 'forward_global_arguments': False}
    for arg in request.extra_arguments:
        if arg.name in options:
            if arg.value.type != ParameterType.PARAMETER_BOOL:
                raise LoadError(f"Extra component argument '{arg.name}' must be a boolean")
            options[arg.name] = arg.value.bool_value
    return options


def node_options(cls, request, context):
    """Keyword arguments of the node class for a LoadNode request."""
    if request.log_level and request.log_level not in LOG_LEVELS:
        raise LoadError(f'log_level must be 0 (unset) or one of '
                        f"{', '.join(f'{k} ({v})' for k, v in LOG_LEVELS.items())}, "
                        f'got {request.log_level}')
    extra = _extra_arguments(request)
    cli_args = ['--ros-args']
    for rule in request.remap_rules:
        cli_args += ['-r', rule]
    kwargs = dict(context=context, cli_args=cli_args,
                  use_global_arguments=extra['forward_global_arguments'],
                  parameter_overrides=[Parameter.from_parameter_msg(p)
                                       for p in request.parameters])
    if request.node_namespace:
        kwargs['namespace'] = request.node_namespace
    name = request.node_name or inspect.signature(cls).parameters['node_name'].default
    if name is inspect.Parameter.empty:
        raise LoadError(f'{request.plugin_name} has no default node name: give node_name')
    return name, kwargs, extra


def logger_name(name, namespace):
    """Return the logger name rclpy gives a node: namespace and name joined by dots."""
    return '.'.join(part for part in (namespace or '').split('/') + [name] if part)


class ComponentContainer(Node):
    """Loads, lists and unloads Python component nodes and spins them on `executor`."""

    def __init__(self, executor, node_name='ComponentManager', **kwargs):
        super().__init__(node_name, **kwargs)
        self.executor_ = executor
        self.components = {}  # unique id -> node
        self._next_id = 1
        self.create_service(LoadNode, '~/_container/load_node', self._load)
        self.create_service(UnloadNode, '~/_container/unload_node', self._unload)
        self.create_service(ListNodes, '~/_container/list_nodes', self._list)
        self.get_logger().info(f'component container {self.get_fully_qualified_name()} ready')

    def load(self, request):
        """Create the requested node; return (unique id, node) or raise LoadError."""
        cls = find_plugin(request.package_name, request.plugin_name)
        name, kwargs, extra = node_options(cls, request, self.context)
        if extra['use_intra_process_comms']:
            self.get_logger().warning('use_intra_process_comms: rclpy has no intra-process '
                                      'transport; the node communicates through the RMW')
        if request.log_level:
            set_logger_level(logger_name(name, kwargs.get('namespace')), request.log_level)
        try:
            node = cls(name, **kwargs)
        except Exception as err:  # the node's own start-up failed: report it, keep running
            raise LoadError(f'{request.plugin_name} failed to start: {err}') from err
        unknown = sorted(p.name for p in request.parameters if not node.has_parameter(p.name))
        if unknown:
            node.get_logger().warning(f"ignoring parameters it does not declare: "
                                      f"{', '.join(unknown)}")
        uid, self._next_id = self._next_id, self._next_id + 1
        self.components[uid] = node
        self.executor_.add_node(node)
        return uid, node

    def unload(self, uid):
        """Stop and destroy a loaded node; raise LoadError when there is none with `uid`."""
        node = self.components.pop(uid, None)
        if node is None:
            raise LoadError(f'No node found with unique_id: {uid}')
        self.executor_.remove_node(node)
        node.destroy_node()

    def unload_all(self):
        """Destroy every loaded node, newest first."""
        for uid in sorted(self.components, reverse=True):
            self.unload(uid)

    def _load(self, request, response):
        try:
            uid, node = self.load(request)
        except LoadError as err:
            response.success, response.error_message = False, str(err)
            self.get_logger().error(f'load {request.plugin_name}: {err}')
            return response
        response.success = True
        response.full_node_name = node.get_fully_qualified_name()
        response.unique_id = uid
        self.get_logger().info(f'loaded {request.plugin_name} as {response.full_node_name} '
                               f'(unique id {uid})')
        return response

    def _unload(self, request, response):
        try:
            self.unload(request.unique_id)
            response.success = True
        except LoadError as err:
            response.success, response.error_message = False, str(err)
            self.get_logger().warning(str(err))
        return response

    def _list(self, request, response):
        for uid, node in self.components.items():
            response.unique_ids.append(uid)
            response.full_node_names.append(node.get_fully_qualified_name())
        return response


def main(args=None):
    stop = init_program(args)
    executor = SingleThreadedExecutor()  # see nodes/runner.py for why single-threaded
    container = None
    try:
        container = ComponentContainer(executor)
        executor.add_node(container)
        spin_until(executor, stop)
        return 0
    finally:
        if container is not None:
            container.unload_all()
        finish_program([container] if container else [], executor)


if __name__ == '__main__':
    sys.exit(main())
