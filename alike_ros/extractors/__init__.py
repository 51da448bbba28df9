# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The extractor registry: every package in this folder that defines FAMILY is a model family.

A new family (say XFeat) is one new package here; the detector, export, TIDL, quantize, eval,
bench, the node's model parameter and the launch file's choices all read this registry.
"""

import sys

from alike_ros.registry import discover

FAMILIES = discover(sys.modules[__name__], 'FAMILY')
MODELS = {name: spec for family in FAMILIES.values() for name, spec in family.models.items()}
MODEL_NAMES = tuple(MODELS)


def get_spec(name):
    """Return the spec of a model name, or raise ValueError listing the known names."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(
            f"unknown model '{name}': choose one of {', '.join(MODEL_NAMES)}") from None


def family_of(name):
    """Return the Family of a model name (ValueError for an unknown name)."""
    return FAMILIES[get_spec(name).family]


def settings(name, given, keys=None):
    """
    Return a model's detector settings, its family's authors' where not given.

    The family's defaults (those named in `keys`, or all), overridden by the `given` values
    that are not None.
    """
    chosen = {k: v for k, v in family_of(name).defaults.items() if keys is None or k in keys}
    chosen.update({k: v for k, v in given.items() if v is not None})
    return chosen


def weights_path(name, weights_dir=None):
    """Return the published weights of a model (a user folder, its env variable or shared/)."""
    return family_of(name).weights.path(get_spec(name), weights_dir)
