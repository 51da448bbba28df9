# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The README's command lines are ones the programs accept."""

from pathlib import Path
import re
import shlex

import pytest

from alike_ros.tools.cli import build_parser

README = (Path(__file__).resolve().parent.parent / 'README.md').read_text()
# `alike-ros ...` in inline code, and lines of code blocks (comments cut).
INLINE = re.findall(r'`((?:\.venv/bin/)?alike-ros [^`]+)`', README)
BLOCKS = [line.split('  #')[0].strip()
          for block in re.findall(r'```bash\n(.*?)```', README, re.S)
          for line in block.splitlines()]
COMMANDS = sorted({c for c in INLINE + BLOCKS if re.match(r'(\.venv/bin/)?alike-ros ', c)})
# The command table gives synopses without the program name: each names a real command.
TABLE = README.split('## Command line')[1].split('\n## ')[0]
SYNOPSES = [name for cell in re.findall(r'^\| (`[^|]+)\|', TABLE, re.M)
            for name in re.findall(r'`([a-z][a-z0-9-]+)[ `]', cell)]


def test_the_readme_has_command_lines():
    assert len(COMMANDS) >= 2 and len(SYNOPSES) >= 15


@pytest.mark.parametrize('line', COMMANDS)
def test_command_line_parses(line):
    argv = shlex.split(line)[1:]
    try:
        build_parser().parse_args(argv)
    except SystemExit as err:
        pytest.fail(f'{line!r} does not parse (exit {err.code})')


def test_every_synopsis_names_a_command():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == 'command').choices
    assert set(SYNOPSES) <= set(commands), set(SYNOPSES) - set(commands)
    # The README names the main ones; `alike-ros --help` lists every command with what it
    # does, and each command's --help its options.
    listing = ' '.join(parser.format_help().split())
    for action in next(a for a in parser._actions if a.dest == 'command')._choices_actions:
        assert action.help and f'{action.dest} {action.help}' in listing, action.dest
    for name, p in commands.items():
        text = p.format_help()
        assert text.startswith(f'usage: alike-ros {name}'), name
        options = [o for a in p._actions for o in a.option_strings if o != '-h']
        assert all(o in text for o in options), name


def test_the_models_block_is_the_registry():
    from alike_ros.tools.commands import models
    block = README.split(models.START)[1].split(models.END)[0]
    assert block.strip() == models.markdown().strip(), 'run: alike-ros models --write README.md'


def test_launch_arguments_in_the_readme_exist():
    from launch.launch_description_sources import get_launch_description_from_python_launch_file
    from launch_helpers import launch_file
    declared = {a.name for a in get_launch_description_from_python_launch_file(
        launch_file()).get_launch_arguments()}
    table = README.split('`edge.launch.py` arguments')[1].split('\n\n')[1]
    documented = {name for cell in re.findall(r'^\| (`[^|]+)\|', table, re.M)
                  for name in re.findall(r'`([a-z_]+)`', cell)}
    assert documented == declared


def test_the_library_example_runs_without_ros(tmp_path):
    """The README's Python example tracks the shared TUM frames, ROS nowhere imported."""
    import subprocess
    import sys

    from conftest import HAVE_SHARED, SHARED_MISSING, TUM
    if not HAVE_SHARED:
        pytest.skip(SHARED_MISSING)
    code = re.findall(r'```python\n(.*?)```', README, re.S)[0]
    code = code.replace("Path('../shared/data/tum')", f'Path({str(TUM)!r})')
    code += ("import sys\nassert not [m for m in sys.modules if m.split('.')[0] in "
             "('rclpy', 'launch', 'launch_ros')], 'ROS imported'\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert len(lines) == 20, lines
    # Measured: 393-829 inliers and 656-1188 tracked points a frame after the first,
    # a motion on every frame after the first; a front-end that lost a fifth fails.
    inliers = [int(re.search(r'(\d+) inliers', line).group(1)) for line in lines[1:]]
    tracked = [int(re.search(r'(\d+) tracked', line).group(1)) for line in lines[1:]]
    assert min(inliers) >= 314 and min(tracked) >= 524, lines
    assert all('direction' in line for line in lines[1:]), lines
