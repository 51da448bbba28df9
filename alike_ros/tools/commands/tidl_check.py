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

"""List a graph's ops against TIDL's supported set."""


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('models', nargs='+', help='ONNX files')


def run(args):
    """Run `alike-ros tidl-check`."""
    import onnx

    from alike_ros.tools import tidl
    failed = False
    for path in args.models:
        findings, problems = tidl.check(onnx.load(path))
        print(f'{path}\n{tidl.report(findings, problems)}\n')
        failed |= bool(problems) or not all(f.ok for f in findings)
    return 1 if failed else 0
