# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Export of the published weights to stage-1 ONNX models (needs torch, a development extra)."""
