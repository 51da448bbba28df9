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

"""Model registry: network shapes of the published models and the names of their files."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class _Shape:
    """Channel widths of the four encoder blocks and the descriptor size, shared by families."""

    name: str
    c1: int
    c2: int
    c3: int
    c4: int
    dim: int


@dataclass(frozen=True)
class AlikeSpec(_Shape):
    """Shape of one published ALIKE network (names as in its state dict)."""

    single_head: bool
    radius: int = 2
    family: str = 'alike'


@dataclass(frozen=True)
class EdgePointSpec(_Shape):
    """Shape of one EdgePoint2 sub-model; dim is the descriptor size (cdesc)."""

    cdetect: int
    radius: int = 2  # 5x5 NMS
    border: int = 4  # the authors drop a 4-pixel border
    family: str = 'edgepoint2'

    @property
    def weights_name(self):
        return self.name.split('-', 1)[1]


ALIKE_MODELS = {
    'alike-t': AlikeSpec('alike-t', 8, 16, 32, 64, 64, True),
    'alike-s': AlikeSpec('alike-s', 8, 16, 48, 96, 96, True),
    'alike-n': AlikeSpec('alike-n', 16, 32, 64, 128, 128, True),
    'alike-l': AlikeSpec('alike-l', 32, 64, 128, 128, 128, False),
}

_EDGEPOINT2_SIZES = {  # letter: (c1, c2, c3, c4, cdetect)
    'T': (8, 8, 16, 24, 8), 'S': (8, 8, 24, 32, 8), 'M': (8, 16, 32, 48, 8),
    'L': (8, 16, 48, 64, 8), 'E': (16, 16, 48, 64, 16),
}
EDGEPOINT2_MODELS = {
    f'edgepoint2-{size}{dim}': EdgePointSpec(f'edgepoint2-{size}{dim}', *shape[:4], dim,
                                             shape[4])
    for size, shape in _EDGEPOINT2_SIZES.items() for dim in (32, 48, 64)
    if f'{size}{dim}' != 'T64'  # not published
}

MODELS = {**ALIKE_MODELS, **EDGEPOINT2_MODELS}
MODEL_NAMES = tuple(MODELS)


def get_spec(name):
    """Return the spec of a model name, or raise ValueError listing the known names."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(
            f"unknown model '{name}': choose one of {', '.join(MODEL_NAMES)}") from None


def onnx_name(name, height, width, form='exact'):
    """Return the file name of a stage-1 model; `form`: exact, exact_conv, tidl or dense."""
    suffix = '' if form == 'exact' else f'_{form}'
    return f'{name}_{height}x{width}{suffix}.onnx'


def int8_path(onnx_path):
    """Name of the int8 (quantised) variant of a stage-1 model."""
    p = Path(onnx_path)
    return p.with_name(p.stem + '_int8.onnx')


def head_path(onnx_path):
    """Sidecar of a stage-1 model with the descriptor-head weights stage 2 needs."""
    return Path(onnx_path).with_suffix('.head.npz')
