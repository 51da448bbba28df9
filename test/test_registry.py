# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The registries find every plug-in package, and the plug-ins keep the interface's promises."""

from dataclasses import fields
from pathlib import Path

from alike_ros import extractors, matchers
from alike_ros.config import MatcherConfig, MatcherNodeConfig
from alike_ros.extractors.base import Family, Stage2
from alike_ros.matchers.base import Matcher, Method

PACKAGE = Path(extractors.__file__).resolve().parent.parent


def _package_folders(name):
    return sorted(p.parent.name for p in (PACKAGE / name).glob('*/__init__.py'))


def test_every_extractor_package_is_a_registered_family():
    assert sorted(extractors.FAMILIES) == _package_folders('extractors')
    for name, family in extractors.FAMILIES.items():
        assert isinstance(family, Family) and family.name == name
        assert issubclass(family.stage2, Stage2)
        assert family.models and 'exact' in family.forms and 'tidl' in family.forms
        for model, spec in family.models.items():
            assert spec.name == model and spec.family == name and spec.dim > 0
            assert extractors.family_of(model) is family
        assert set(family.defaults) <= {'top_k', 'scores_th', 'nms_iterations'}


def test_model_names_are_unique_across_families():
    names = [m for f in extractors.FAMILIES.values() for m in f.models]
    assert len(names) == len(set(names)) == len(extractors.MODEL_NAMES)


def test_every_matcher_package_is_a_registered_method():
    assert sorted(matchers.METHODS) == _package_folders('matchers')
    for name, method in matchers.METHODS.items():
        assert isinstance(method, Method) and method.name == name
        module, cls = method.matcher.split(':')
        assert module.startswith(f'alike_ros.matchers.{name}')
        assert method.config().check() == []


def test_method_parameters_do_not_collide():
    """The matcher node declares every method's fields beside its own, by their plain names."""
    names = [f.name for cls in (MatcherConfig, MatcherNodeConfig) for f in fields(cls)]
    names += [f.name for m in matchers.METHODS.values() for f in fields(m.config)]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_a_built_matcher_is_a_matcher():
    matcher = matchers.get_method('mnn').build()
    assert isinstance(matcher, Matcher)
