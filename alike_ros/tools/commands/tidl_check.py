# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

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
