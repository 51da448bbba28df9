# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The lab: what measures this package itself, apart from what its users run.

Sweeps behind the defaults, synthetic scenes with exact truth, the input-size and track
studies, the matcher's cost across checkouts, the XFeat reference comparison and the results
tables. Product code never imports it; it imports the product. Run its commands with
`python -m alike_ros.lab COMMAND` (`--help` lists them).
"""
