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

"""Image files named on a command line: files as given, folders expanded (sorted)."""

from pathlib import Path

IMAGE_EXTS = {'.png', '.jpg', '.jpeg', '.ppm', '.pgm', '.bmp', '.tif', '.tiff'}


def image_files(paths):
    """Return the image files named directly or found (sorted) in the named folders."""
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_EXTS)
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f'no such image or folder: {p}')
    return files
