# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""List every model family and matching method of the registries (or rewrite a doc's list)."""

from alike_ros.tools.commands import _args

START = '<!-- models:start (alike-ros models --write rewrites this block) -->'
END = '<!-- models:end -->'


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('--write', metavar='DOC',
                        help="rewrite the models block of this document (the README's list)")


def markdown():
    """Return the registries as markdown: a row per family, a row per matching method."""
    from alike_ros import extractors, matchers
    lines = ['| family | models | descriptor | |', '|---|---|---|---|']
    for family in extractors.FAMILIES.values():
        names = list(family.models)
        shown = ', '.join(f'`{n}`' for n in names) if len(names) <= 4 else \
            f'`{names[0]}` ... `{names[-1]}` ({len(names)})'
        dims = '/'.join(str(d) for d in sorted({s.dim for s in family.models.values()}))
        lines.append(f'| {family.name} | {shown} | {dims}-D | {family.summary} |')
    lines += ['', '| matcher `method` | input | |', '|---|---|---|']
    for name, method in matchers.METHODS.items():
        lines.append(f"| `{name}` | {'images' if method.needs_image else 'keypoints'} | "
                     f'{method.summary} |')
    return '\n'.join(lines)


def run(args):
    """Print the registries, or rewrite the block of --write."""
    text = markdown()
    if not args.write:
        print(text)
        return
    _args.rewrite_block(args.write, START, END, f'\n{text}\n', 'models')
    print(f'rewrote the models block of {args.write}')
