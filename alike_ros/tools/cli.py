# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
`alike-ros <command>`: one entry point for the tools.

Each command is a module of alike_ros.tools.commands (its arguments and its run); heavy
imports stay inside the commands.
"""

import argparse
import logging
import sys

from alike_ros.tools import commands


def build_parser(package=commands, prog='alike-ros', description=None):
    """Return the parser of every command of a commands package (default: the product's)."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description or __doc__.strip().splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    for name, module in commands.command_modules(package).items():
        p = sub.add_parser(name, help=module.__doc__.strip().splitlines()[0])
        module.add_arguments(p)
        p.set_defaults(func=module.run)
    return parser


def main(argv=None, parser=None):
    """Run one command; its errors print one line and exit 2."""
    from alike_ros.runtime import tune_malloc
    tune_malloc()
    logging.basicConfig(level=logging.INFO, format='[%(levelname)s] %(message)s')
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except (ValueError, FileNotFoundError, FileExistsError, RuntimeError) as err:
        print(f'{parser.prog} {args.command}: {err}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
