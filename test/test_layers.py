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

"""The layers: the core and nodes/ never import the tools (alike_ros.tools)."""

import ast
from pathlib import Path

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


def test_core_and_nodes_do_not_import_tools():
    checked, offenders = 0, []
    for path in sorted(PACKAGE.rglob('*.py')):
        if (PACKAGE / 'tools') in path.parents:
            continue
        checked += 1
        bad = sorted(m for m in imported_modules(path)
                     if m == 'alike_ros.tools' or m.startswith('alike_ros.tools.'))
        if bad:
            offenders.append(f'{path.relative_to(PACKAGE.parent)}: {", ".join(bad)}')
    assert checked > 20, checked  # the walk found the package
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
