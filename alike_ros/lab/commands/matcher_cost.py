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

"""The matcher node's cost per frame for several checkouts, interleaved (LABEL=PATH ...)."""


def add_arguments(p):
    """Arguments of matcher-cost (those of lab/matcher_cost.py)."""
    from alike_ros.lab.matcher_cost import add_arguments as own
    own(p)


def run(args):
    """Run the comparison."""
    from alike_ros.lab.matcher_cost import compare
    compare(args)
