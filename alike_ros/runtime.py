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

"""Process-level settings for the programs of this package (CLI, nodes), not for library use."""

import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def tune_malloc():
    """
    Keep freed per-frame buffers in the heap instead of returning them to the kernel.

    Stage 2 allocates a few MB of temporaries per frame; glibc serves those with fresh mmaps,
    so every frame pays the page faults again (measured: stage 2 at 2000 keypoints 2x slower).
    Returns True when glibc accepted the settings.
    """
    name = ctypes.util.find_library('c')
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, 256 << 20)
                    and libc.mallopt(_M_TRIM_THRESHOLD, 512 << 20))
    except (OSError, AttributeError):
        return False


def use_large_frame_transport():
    """
    Point Fast DDS at config/fastdds_large_frames.xml unless a profile is set already.

    Read when the process's first DDS participant starts (rclpy.init), and inherited by the
    processes it starts: call it before either.
    """
    from alike_ros.models import config_file
    os.environ.setdefault('FASTRTPS_DEFAULT_PROFILES_FILE',
                          str(config_file('fastdds_large_frames.xml')))
