# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Argument types and groups more than one command takes, and their shared steps."""

import argparse
from pathlib import Path


def size(text):
    """Parse HxW (e.g. 480x640) into (height, width)."""
    try:
        h, w = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'size must look like 480x640 (HxW), got {text!r}')
    return h, w


def positive_float(text):
    """Parse a number above 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f'must be a number above 0, got {text!r}')
    return value


def non_negative_float(text):
    """Parse a number at or above 0."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f'must be a number at or above 0, got {text!r}')
    return value


def positive_int(text):
    """Parse a whole number above 0."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be a whole number above 0, got {text!r}')
    return value


def models(text):
    """Parse a comma list of model names, or 'all' (every model of the registry)."""
    from alike_ros.extractors import MODEL_NAMES
    names = list(MODEL_NAMES) if text == 'all' else text.split(',')
    unknown = [n for n in names if n not in MODEL_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f'unknown model(s) {", ".join(unknown)}: choose from {", ".join(MODEL_NAMES)}, all')
    return names


def default_models():
    """Return the models shown by default: the default model's family."""
    from alike_ros.config import DetectorConfig
    from alike_ros.extractors import family_of
    return list(family_of(DetectorConfig().model).models)


def calibrated_model(parser, form):
    """Add the arguments of the commands that calibrate a stage-1 model of one form."""
    parser.add_argument('--model', required=True,
                        help=f'model name (its exported {form} form) or a stage-1 .onnx in that '
                             'form')
    parser.add_argument('--height', type=int, default=480)
    parser.add_argument('--width', type=int, default=640)
    parser.add_argument('--calib', required=True, help='folder of calibration images')
    parser.add_argument('--frames', type=int, default=20, help='calibration images used')


def onnx_model(args, form):
    """Return the stage-1 ONNX of --model: a model name (the exported file) or a path."""
    from alike_ros.extractors import MODEL_NAMES
    from alike_ros.paths import model_dir, onnx_name
    if args.model not in MODEL_NAMES:
        return args.model
    path = model_dir() / onnx_name(args.model, args.height, args.width, form)
    if not path.exists():
        raise FileNotFoundError(f'{path} does not exist: alike-ros export --model {args.model} '
                                f'--height {args.height} --width {args.width} --form {form}')
    return str(path)


def rewrite_block(path, start, end, body, what):
    """Replace what lies between the marker lines `start` and `end` of a document by `body`."""
    doc = Path(path)
    text = doc.read_text()
    if start not in text or end not in text:
        raise ValueError(f'{doc} has no {what} block ({start} ... {end})')
    head, rest = text.split(start, 1)
    doc.write_text(f'{head}{start}{body}{end}{rest.split(end, 1)[1]}')
