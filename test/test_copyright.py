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

"""
Copyright/licence headers.

ament_copyright where it is installed (a ROS install), else the same rule checked here (the
ament_copyright wheel is not on PyPI).
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = {'.venv', 'build', 'install', 'log', 'out'}


def _sources():
    for path in ROOT.rglob('*.py'):
        if not SKIP & set(path.relative_to(ROOT).parts):
            yield path


@pytest.mark.copyright
@pytest.mark.linter
def test_copyright():
    try:
        from ament_copyright.main import main
    except ImportError:
        missing = [str(p.relative_to(ROOT)) for p in _sources()
                   if 'Copyright 20' not in p.read_text()[:400]
                   or not ('SPDX-License-Identifier: Apache-2.0' in p.read_text()[:400]
                           or 'Apache License, Version 2.0' in p.read_text()[:800])]
        assert not missing, 'files without the Apache-2.0 copyright header: ' + ', '.join(missing)
        return
    assert main(argv=['.', 'test']) == 0, 'Found errors'
