# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The lab's commands (`python -m alike_ros.lab COMMAND`), one module each, as alike-ros's."""
