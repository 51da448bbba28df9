# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The package.xml files.

xmllint against the schema where ament_xmllint exists; everywhere, parsed and validated by
catkin_pkg, the parser colcon and bloom use.
"""

from pathlib import Path
from xml.etree import ElementTree

from catkin_pkg.package import parse_package
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.linter
@pytest.mark.xmllint
def test_xmllint():
    try:
        from ament_xmllint.main import main  # on a ROS install (not on PyPI)
    except ImportError:
        # Well-formedness of every XML file of the package (what xmllint checks without a
        # schema; the package.xml schema is checked by test_package_xml below).
        files = [f for f in ROOT.rglob('*.xml') if not {'.venv', 'build', 'out'} & set(
            f.relative_to(ROOT).parts)]
        assert len(files) >= 3, files
        for f in files:
            ElementTree.parse(f)
        return
    assert main(argv=[]) == 0, 'Found errors'


@pytest.mark.parametrize('folder, name, build_type', [
    ('.', 'alike_ros', 'ament_python'), ('alike_ros_msgs', 'alike_ros_msgs', 'ament_cmake')])
def test_package_xml(folder, name, build_type):
    package = parse_package(ROOT / folder / 'package.xml')
    package.validate()
    assert (package.package_format, package.name) == (3, name)
    assert package.get_build_type() == build_type
