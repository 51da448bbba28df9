# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Compact descriptors for bandwidth between robots (the EdgePoint2 paper's point, for ALIKE).

A learned linear projection (PCA of unit descriptors from calibration images, stored beside
the model) to 32 or 48 dimensions, and an 8-bit encoding of unit descriptors for the message.
"""

from pathlib import Path

import numpy as np

from alike_ros.dkd import normalise_rows


def projection_path(model_dir, name, dim):
    """Return the file of a model's PCA basis for `dim`: <model_dir>/<name>.proj<dim>.npz."""
    return Path(model_dir) / f'{name}.proj{dim}.npz'


def fit_projection(descriptors, dim):
    """Return the PCA basis (D x dim) of unit descriptors, largest variance first."""
    x = np.asarray(descriptors, np.float64)
    if dim <= 0 or dim > x.shape[1]:
        raise ValueError(f'projection dim must be in 1..{x.shape[1]}, got {dim}')
    if len(x) < dim:
        raise ValueError(f'{len(x)} descriptors cannot fit a {dim}-dimensional projection')
    _, _, vt = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    return vt[:dim].T.astype(np.float32)


def project(descriptors, basis):
    """Project unit descriptors and normalise them again (N x dim)."""
    return normalise_rows(descriptors @ basis)


def encode_u8(descriptors):
    """Encode unit descriptors as uint8: component c in [-1, 1] stored as round(127 c) + 128."""
    return (np.rint(np.clip(descriptors, -1, 1) * 127) + 128).astype(np.uint8)


def decode_u8(codes):
    """Decode uint8 codes to unit descriptors (float32)."""
    return normalise_rows((codes.astype(np.float32) - 128) / np.float32(127))
