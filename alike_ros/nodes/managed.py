# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Managed (lifecycle) nodes whose parameters come from the typed configs.

configure reads and validates the parameters and builds what the node needs (a model, the
publishers); activate starts the data flow; deactivate stops it; cleanup frees what configure
built. A failed transition logs its reason and leaves the node unconfigured, the process alive.
With `autostart` (default) the node configures and activates itself when it is created, so a
plain `ros2 run` or launch behaves like an unmanaged node; a failure then raises from the
constructor with the reason.

Parameters that are not live (model, provider, input size, ...) change only while the node
is unconfigured: deactivate, cleanup, set them, configure, activate.
"""

from dataclasses import fields
import sys

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rcl_interfaces.msg import (FloatingPointRange, IntegerRange, ParameterDescriptor,
                                SetParametersResult)
from rclpy.exceptions import InvalidParameterValueException
from rclpy.lifecycle import LifecycleNode, TransitionCallbackReturn

from alike_ros.config import field_choices
from alike_ros.nodes.params import ConfigError

SUCCESS, FAILURE = TransitionCallbackReturn.SUCCESS, TransitionCallbackReturn.FAILURE


class StartupError(RuntimeError):
    """A transition at start-up failed; the message says why."""


NOT_LIVE = ('takes effect at configure: change it while the node is unconfigured '
            '(deactivate, cleanup, set, configure, activate)')


def descriptor(f):
    """
    Return the ParameterDescriptor of a config field: doc, range, choices and liveness.

    Ranges are ROS's own (ros2 param describe shows them; set_parameters enforces them). A
    closed set of values and "only at configure" go into additional_constraints: ROS has no
    field for choices, and read_only would forbid the lifecycle swap (cleanup, set, configure).
    """
    desc = ParameterDescriptor(description=f.metadata.get('doc', ''))
    bounds = f.metadata.get('range')
    if bounds is not None and isinstance(f.default, int) and not isinstance(f.default, bool):
        high = 2 ** 63 - 1 if bounds[1] is None else bounds[1]
        desc.integer_range = [IntegerRange(from_value=bounds[0], to_value=high, step=0)]
    elif bounds is not None:
        high = sys.float_info.max if bounds[1] is None else float(bounds[1])
        desc.floating_point_range = [FloatingPointRange(
            from_value=float(bounds[0]), to_value=high, step=0.0)]
    constraints = []
    choices = field_choices(f)
    if choices:
        constraints.append('one of: ' + ', '.join(map(str, choices)))
    if f.metadata.get('rule'):
        constraints.append(f"{f.metadata['rule']}")
    if not f.metadata.get('live', False):
        constraints.append(NOT_LIVE)
    desc.additional_constraints = '; '.join(constraints)
    return desc


def declare_parameters(node, config_cls):
    """Declare one parameter per config field, with its default and descriptor."""
    for f in fields(config_cls):
        desc = descriptor(f)
        try:
            node.declare_parameter(f.name, f.default, desc)
        except InvalidParameterValueException:
            # An override outside the range: declare it without the range, so configure
            # reports the problem in the config's words (and a lifecycle node stays alive).
            desc.integer_range, desc.floating_point_range = [], []
            node.declare_parameter(f.name, f.default, desc)


def read_config(node, config_cls, changes=None):
    """Build a config from the node's parameters (with `changes` applied), unvalidated."""
    values = {f.name: node.get_parameter(f.name).value for f in fields(config_cls)}
    values.update(changes or {})
    return config_cls(**values)


class ManagedNode(LifecycleNode):
    """
    A lifecycle node configured from typed configs.

    Subclasses name their configs in CONFIGS (attribute -> config class), implement
    configure() / activate() / deactivate() / release() and call self.autostart() at the end
    of their constructor. release() must undo configure() and be safe to call in any state
    once the configs are set; it is not called before (invalid parameters stop configure
    before anything is built, and the configs are still None).
    """

    CONFIGS = {}

    def __init__(self, node_name, *, namespace=None, parameter_overrides=None, **kwargs):
        super().__init__(node_name, namespace=namespace,
                         parameter_overrides=parameter_overrides or [], **kwargs)
        for attr, cls in self.CONFIGS.items():
            declare_parameters(self, cls)
            setattr(self, attr, None)
        self.declare_parameter('autostart', True, ParameterDescriptor(
            description='configure and activate when the node is created', read_only=True))
        self.last_error = ''
        self._quiet_errors = False
        self._startup_exception = None
        self.add_on_set_parameters_callback(self._on_set_parameters)
        # Not a lifecycle publisher: diagnostics show a stopped node too.
        self.diag_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)

    # Subclass hooks.
    def configure(self):
        """Build what the node needs from its configs; raise with the reason on failure."""

    def activate(self):
        """Start the data flow (publishers are already enabled)."""

    def deactivate(self):
        """Stop the data flow (publishers are still enabled)."""

    def release(self):
        """Free what configure() built; safe in any state."""

    def apply_live(self, attr, config):
        """Take a validated config whose live fields changed while configured."""
        setattr(self, attr, config)

    def publish_status(self, what, hardware_id, warn, message, values):
        """Publish one DiagnosticStatus, '<node>: <what>', with `values` as key-values."""
        status = DiagnosticStatus(
            name=f'{self.get_fully_qualified_name()}: {what}', hardware_id=hardware_id,
            level=DiagnosticStatus.WARN if warn else DiagnosticStatus.OK, message=message,
            values=[KeyValue(key=k, value=str(v)) for k, v in values.items()])
        diag = DiagnosticArray(status=[status])
        diag.header.stamp = self.get_clock().now().to_msg()
        self.diag_pub.publish(diag)

    # Start-up.
    def autostart(self):
        """Configure and activate if `autostart` is set; raise the failure's reason."""
        if not self.get_parameter('autostart').value:
            return
        self._quiet_errors = True  # the caller reports the raised error
        try:
            for name, trigger in (('configure', self.trigger_configure),
                                  ('activate', self.trigger_activate)):
                if trigger() != SUCCESS:
                    error = self._startup_exception
                    self.destroy_node()
                    raise error if error else StartupError(f'{name} failed: {self.last_error}')
        finally:
            self._quiet_errors = False

    @property
    def state(self):
        """Label of the node's lifecycle state, read from rclpy's state machine."""
        return self._state_machine.current_state[1]

    # Transitions.
    def _run(self, name, step, undo):
        """Run a transition's step; on failure log why, undo, and return FAILURE."""
        self._startup_exception = None
        try:
            step()
        except Exception as err:  # any failure keeps the process alive, with the reason
            self._startup_exception = err
            self.last_error = str(err) if isinstance(err, (ConfigError, OSError)) \
                else f'{type(err).__name__}: {err}'
            if not self._quiet_errors:
                self.get_logger().error(f'{name} failed: {self.last_error}')
            undo()
            return FAILURE
        return SUCCESS

    def _configure(self):
        configs = {attr: read_config(self, cls) for attr, cls in self.CONFIGS.items()}
        problems = [p for c in configs.values() for p in c.check()]
        if problems:
            raise ConfigError(f'{self.get_name()}: invalid parameters: ' + '; '.join(problems))
        for attr, config in configs.items():
            setattr(self, attr, config)
        self.configure()

    def _release(self):
        """Run release() where configure got as far as setting the configs."""
        if all(getattr(self, attr) is not None for attr in self.CONFIGS):
            self.release()

    def on_configure(self, state):
        return self._run('configure', self._configure, self._release)

    def on_activate(self, state):
        super().on_activate(state)  # enables the lifecycle publishers first
        result = self._run('activate', self.activate, self.deactivate)
        if result != SUCCESS:
            super().on_deactivate(state)  # and disables them again
        return result

    def on_deactivate(self, state):
        self.deactivate()
        return super().on_deactivate(state)

    def on_cleanup(self, state):
        self._release()
        return super().on_cleanup(state)

    def on_shutdown(self, state):
        if state.label == 'active':  # the state shutdown leaves
            self.deactivate()
        self._release()
        return super().on_shutdown(state)

    def on_error(self, state):
        self._release()
        return SUCCESS

    def destroy_node(self):
        if self.state == 'active':
            self.deactivate()
        self._release()
        return super().destroy_node()

    # Parameters.
    def _on_set_parameters(self, params):
        changes = {p.name: p.value for p in params}
        updates = []
        for attr, cls in self.CONFIGS.items():
            mine = {k: v for k, v in changes.items() if k in {f.name for f in fields(cls)}}
            if not mine:
                continue
            if self.state in ('inactive', 'active'):
                fixed = sorted(set(mine) - cls.live_fields())
                if fixed:
                    return SetParametersResult(successful=False, reason=(
                        f"{', '.join(fixed)} can change only while the node is unconfigured: "
                        f'deactivate and clean it up first, then configure and activate'))
                try:
                    updates.append((attr, getattr(self, attr).with_changes(**mine)))
                except ValueError as err:
                    return SetParametersResult(successful=False, reason=str(err))
            else:
                # Unconfigured: configure validates everything; refuse only new problems.
                before = set(read_config(self, cls).check())
                new = [p for p in read_config(self, cls, mine).check() if p not in before]
                if new:
                    return SetParametersResult(successful=False, reason='; '.join(new))
        for attr, config in updates:
            self.apply_live(attr, config)
        return SetParametersResult(successful=True)
