# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""PCA projection of descriptors to 32/48 dims."""

from alike_ros.tools.image_files import image_files


def add_arguments(parser):
    """Add the arguments of this command."""
    from alike_ros.extractors import MODEL_NAMES
    parser.add_argument('--model', default='alike-t', choices=MODEL_NAMES)
    parser.add_argument('--dim', type=lambda s: [int(v) for v in s.split(',')], default=[32, 48])
    parser.add_argument('--calib', required=True, help='folder of calibration images')
    parser.add_argument('--out', help='default: the model folder')


def run(args):
    """Run `alike-ros fit-projection`."""
    import cv2
    import numpy as np

    from alike_ros.compact import fit_projection, projection_path
    from alike_ros.config import DetectorConfig
    from alike_ros.detector import Detector
    from alike_ros.paths import model_dir
    det = Detector(DetectorConfig(model=args.model))
    desc = np.concatenate([det.detect(cv2.imread(str(f)), bgr=True).descriptors
                           for f in image_files([args.calib])])
    for dim in args.dim:
        path = projection_path(args.out or model_dir(), args.model, dim)
        np.savez(path, basis=fit_projection(desc, dim))
        print(f'{path} ({len(desc)} descriptors)')
