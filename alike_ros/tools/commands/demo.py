# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""TUM frames as a bag through detector + matcher, headless."""

from pathlib import Path


def add_arguments(parser):
    """Add the arguments of this command."""
    from alike_ros.extractors import MODEL_NAMES
    parser.add_argument('--out', default='out/demo')
    parser.add_argument('--images', help='image folder (default: the shared TUM frames)')
    parser.add_argument('--rate', type=float, default=10.0,
                        help='bag rate in Hz (the shared TUM frames are 0.1 s apart)')
    parser.add_argument('--processes', choices=('one', 'two'), default='one')
    parser.add_argument('--geometry', choices=('homography', 'fundamental', 'essential'),
                        default='homography', help="the matcher's geometry parameter")
    parser.add_argument('--camera-info', help='calibration YAML for the bag (default: the TUM '
                                              "camera's for the shared frames)")
    parser.add_argument('--model', default='alike-t', choices=MODEL_NAMES)


def run(args):
    """Run `alike-ros demo`."""
    from alike_ros.tools import demo
    summary = demo.run(args.out, args.images, args.rate, args.processes,
                       {'model': args.model}, {'geometry': args.geometry}, args.camera_info)
    lat = summary['latency_ms']
    print(f"\n{summary['frames_in']} frames in, {summary['keypoint_frames_out']} keypoint "
          f"frames out, {summary['valid_fits']} valid {summary['geometry']} fits, median "
          f"inlier ratio {summary['median_inlier_ratio'] or 0:.2f}, latency p50 "
          f"{lat.get('p50', 0):.0f} ms, p95 {lat.get('p95', 0):.0f} ms")
    tracks = summary['tracks']
    if tracks:
        print(f"tracks: {tracks['tracks']}, length median {tracks['median_length']:.0f} / p90 "
              f"{tracks['p90_length']:.0f} / max {tracks['max_length']} frames, "
              f"{tracks['tracks_5_or_longer']} of 5 frames or more")
    motion = summary['motion']
    if motion:
        rot, step = motion['rotation_deg'], motion['rotation_change_deg']
        print(f"motion: {motion['poses']} poses, rotation per frame median {rot['median']:.2f}"
              f" deg, change between frames median {step['median']:.2f} / max "
              f"{step['max']:.2f} deg")
    out = Path(args.out)
    print(f'overlays: {out / "overlay"}/*.png\nanimation: {out / "matches.gif"}\n'
          f'summary: {out / "summary.json"}\nplot: {out / "summary.png"}')
