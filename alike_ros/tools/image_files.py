# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

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
