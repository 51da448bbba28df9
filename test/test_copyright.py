# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Copyright/licence headers: a copyright line and an SPDX identifier, first in every file.

Two lines, so that what a module is for (its docstring) is what a reader sees next.
ament_copyright recognises a licence only by its full header text, not by an SPDX line, so
this check is the package's own, on a ROS install too.
"""

from pathlib import Path
import re

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = {'.venv', 'build', 'install', 'log', 'out'}
# The SPDX line and the copyright line, in either order, at the very top (after a shebang).
SPDX, COPYRIGHT = r'# SPDX-License-Identifier: Apache-2\.0\n', r'# Copyright 20\d\d .+\n'
HEADER = re.compile(rf'(#![^\n]*\n)?({SPDX}{COPYRIGHT}|{COPYRIGHT}{SPDX})(\n|\Z)')


def _sources():
    for path in ROOT.rglob('*.py'):
        if not SKIP & set(path.relative_to(ROOT).parts):
            yield path


@pytest.mark.copyright
@pytest.mark.linter
def test_copyright():
    missing = [str(p.relative_to(ROOT)) for p in _sources()
               if not HEADER.match(p.read_text())]
    assert not missing, 'files without the two-line header: ' + ', '.join(missing)


def test_the_check_sees_a_missing_or_long_header():
    assert HEADER.match('# SPDX-License-Identifier: Apache-2.0\n# Copyright 2026 a b\n\n')
    assert not HEADER.match('"""A module."""\n# SPDX-License-Identifier: Apache-2.0\n')
    assert not HEADER.match('# Copyright 2026 a b\n#\n# Licensed under the Apache License')
