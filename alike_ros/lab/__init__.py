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

"""
The lab: what measures this package itself, apart from what its users run.

Sweeps behind the defaults, synthetic scenes with exact truth, the input-size and track
studies, the matcher's cost across checkouts, the XFeat reference comparison and the results
tables. Product code never imports it; it imports the product. Run its commands with
`python -m alike_ros.lab COMMAND` (`--help` lists them).
"""
