# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Images -> .npz with keypoints, scores, descriptors."""

from pathlib import Path

from alike_ros.tools.commands import _args
from alike_ros.tools.image_files import image_files


def add_arguments(parser):
    """Add the arguments of this command."""
    from alike_ros.extractors import MODEL_NAMES
    parser.add_argument('images', nargs='+', help='image files or folders')
    parser.add_argument('--model', default='alike-t', choices=MODEL_NAMES)
    parser.add_argument('--out', required=True)
    parser.add_argument('--top-k', type=int, default=0,
                        help="keep the k best; -1: threshold mode; 0: the model family's own")
    parser.add_argument('--scores-th', type=float, default=-1.0,
                        help="threshold-mode score threshold; -1: the model family's own")
    parser.add_argument('--n-limit', type=int, default=5000)
    parser.add_argument('--nms-iterations', type=int, default=1)
    parser.add_argument('--size', type=_args.size, default=(0, 0),
                        help='network input HxW (default: native size, padded to /32)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--provider', default='cpu')


def run(args):
    """Run `alike-ros extract`."""
    import cv2
    import numpy as np
    from tqdm import tqdm

    from alike_ros.config import DetectorConfig, NATIVE_SIZE
    from alike_ros.detector import Detector

    h, w = args.size
    det = Detector(DetectorConfig(model=args.model, top_k=args.top_k, scores_th=args.scores_th,
                                  n_limit=args.n_limit, nms_iterations=args.nms_iterations,
                                  **{**NATIVE_SIZE, 'input_height': h, 'input_width': w},
                                  threads=args.threads,
                                  provider=args.provider))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for f in tqdm(image_files(args.images), unit='img', desc=args.model):
        image = cv2.imread(str(f), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f'cannot read image {f}')
        feats = det.detect(image, bgr=True)
        np.savez(out / f'{f.stem}.npz', keypoints=feats.keypoints, scores=feats.scores,
                 descriptors=feats.descriptors)
    print(f'wrote {out}')
