# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The layers, enforced.

- the core and nodes/ never import the tools (alike_ros.tools) or the lab (alike_ros.lab);
- the product's tools never import the lab: what measures this package stays apart;
- the core (everything outside nodes/, tools/ and lab/) imports neither rclpy nor launch,
  nor any ROS message package: ROS-facing code (nodes, messages, QoS, launch arguments) is
  nodes/;
- a matcher-only process does not load ONNX Runtime unless its method needs it.

Each rule has a test that shows its check catches a breach.
"""

import ast
from pathlib import Path
import subprocess
import sys

from conftest import needs_shared

PACKAGE = Path(__file__).resolve().parent.parent / 'alike_ros'


def imported_modules(path):
    """Return every module an import statement in a Python file names, lazy imports included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f'{node.module}.{a.name}' for a in node.names)
    return names


def offenders_of(folders_skipped, forbidden):
    """Return (files checked, 'file: modules') of files importing a forbidden package."""
    checked, offenders = 0, []
    for path in sorted(PACKAGE.rglob('*.py')):
        if {PACKAGE / f for f in folders_skipped} & set(path.parents):
            continue
        checked += 1
        bad = sorted(m for m in imported_modules(path)
                     if any(m == f or m.startswith(f + '.') for f in forbidden))
        if bad:
            offenders.append(f'{path.relative_to(PACKAGE.parent)}: {", ".join(bad)}')
    return checked, offenders


def test_core_and_nodes_do_not_import_tools_or_the_lab():
    checked, offenders = offenders_of(('tools', 'lab'), ('alike_ros.tools', 'alike_ros.lab'))
    assert checked > 20, checked  # the walk found the package
    assert not offenders, offenders


def test_the_product_does_not_import_the_lab():
    checked, offenders = offenders_of(('lab',), ('alike_ros.lab',))
    assert checked > 60, checked
    assert not offenders, offenders


def test_the_check_sees_a_tools_import(tmp_path):
    sample = tmp_path / 'sample.py'
    sample.write_text('def f():\n'
                      '    from alike_ros.tools import bench\n'
                      '    import alike_ros.tools.cli\n')
    found = imported_modules(sample)
    assert {'alike_ros.tools', 'alike_ros.tools.bench', 'alike_ros.tools.cli'} <= found


def test_every_package_folder_is_a_regular_package():
    """find_packages (colcon, pip) skips folders without __init__.py: installs would lack them."""
    folders = {p.parent for p in PACKAGE.rglob('*.py') if '__pycache__' not in p.parts}
    missing = sorted(str(f.relative_to(PACKAGE.parent)) for f in folders
                     if not (f / '__init__.py').is_file())
    assert not missing, missing


ROS_MODULES = ('rclpy', 'launch', 'launch_ros', 'launch_testing', 'rosidl_runtime_py', 'rcl_',
               'ros2')


def ros_imports(names):
    """Return the ROS modules (rclpy, launch, message packages) among imported names."""
    return sorted(m for m in names if m.split('.')[0] in ROS_MODULES
                  or m.split('.')[0].startswith('rcl_') or m.split('.')[0].endswith('_msgs'))


def test_core_imports_neither_rclpy_nor_launch():
    checked, offenders = 0, []
    for path in sorted(PACKAGE.rglob('*.py')):
        if {PACKAGE / 'nodes', PACKAGE / 'tools', PACKAGE / 'lab'} & set(path.parents):
            continue
        checked += 1
        bad = ros_imports(imported_modules(path))
        if bad:
            offenders.append(f'{path.relative_to(PACKAGE.parent)}: {", ".join(bad)}')
    assert checked > 20, checked
    assert not offenders, offenders


def test_the_check_sees_ros_imports(tmp_path):
    sample = tmp_path / 'sample.py'
    sample.write_text('import rclpy.node\n'
                      'from launch.actions import DeclareLaunchArgument\n'
                      'def f():\n'
                      '    from sensor_msgs.msg import Image\n'
                      '    from alike_ros_msgs.msg import KeypointArray\n'
                      'import numpy\n')
    assert ros_imports(imported_modules(sample)) == [
        'alike_ros_msgs.msg', 'alike_ros_msgs.msg.KeypointArray', 'launch.actions',
        'launch.actions.DeclareLaunchArgument', 'rclpy.node', 'sensor_msgs.msg',
        'sensor_msgs.msg.Image']


def loaded_after(statement):
    """Run a statement in a fresh interpreter; return the top-level modules it loaded."""
    code = (f'{statement}\nimport sys\n'
            'print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=120, check=True)
    return set(out.stdout.split())


def test_a_matcher_process_does_not_load_onnxruntime():
    # Importing a method loads nothing heavy; mnn multiplies its descriptors with ONNX Runtime
    # unless told `gemm: numpy` (then nothing of it is loaded).
    loaded = loaded_after('import alike_ros.nodes.matcher_node\n'
                          'from alike_ros import matchers\n'
                          "from alike_ros.matchers.mnn import MnnConfig\n"
                          "matchers.get_method('mnn').build(MnnConfig(gemm='numpy'))")
    assert 'rclpy' in loaded  # the import happened
    assert not {'onnxruntime', 'onnx', 'torch'} & loaded
    loaded = loaded_after("from alike_ros import matchers\n"
                          "matchers.get_method('mnn').build()")
    assert 'onnxruntime' in loaded and not {'onnx', 'torch'} & loaded


@needs_shared
def test_the_check_sees_onnxruntime_where_a_method_needs_it():
    # The same check catches the load: the coarse LoFTR method opens its model (its weights
    # are in ../shared).
    loaded = loaded_after('import alike_ros.nodes.matcher_node\n'
                          'from alike_ros import matchers\n'
                          "matchers.get_method('coarse_loftr').build()")
    assert 'onnxruntime' in loaded
    assert 'onnxruntime' in loaded_after('import alike_ros.nodes.detector_node')
