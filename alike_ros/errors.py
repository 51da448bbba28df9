# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The errors a component raises at start-up, importable without loading what raises them."""


class ModelFileError(RuntimeError):
    """The stage-1 model (or a file stage 2 needs beside it) is missing and cannot be made."""


class ProviderError(RuntimeError):
    """The requested provider cannot run here and fallback was not allowed."""
