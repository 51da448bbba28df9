# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Image folder or video (and a depth folder), or an RGB-D dataset folder -> rosbag2."""


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('source', help='image folder or video file; or an RGB-D sequence as '
                                       'TUM RGB-D (rgb.txt, depth.txt) or 7-Scenes '
                                       '(frame-*.color.png, frame-*.depth.png) ship it: '
                                       'colour, depth and CameraInfo (the dataset\'s '
                                       'intrinsics unless --camera-info), with the recorded '
                                       'stamps (TUM)')
    parser.add_argument('--out', required=True, help='bag folder to create')
    parser.add_argument('--rate', type=float, default=30.0)
    parser.add_argument('--storage', choices=('mcap', 'sqlite3'), default='mcap')
    parser.add_argument('--encoding', default='bgr8',
                        choices=('bgr8', 'rgb8', 'mono8', 'rgba8', 'bgra8', 'yuv422',
                                 'yuv422_yuy2'))
    parser.add_argument('--topic', default='/camera/image_raw')
    parser.add_argument('--loops', type=int, default=1, help='write the frames this many times')
    parser.add_argument('--camera-info',
                        help='calibration YAML (camera_calibration_parsers format), or a 3 x 3 '
                             'K text file (7-Scenes camera-intrinsics.txt): also write '
                             'CameraInfo beside the image topic')
    parser.add_argument('--depth',
                        help='folder of depth images registered to the frames, one per frame '
                             'in name order (16-bit PNG: 16UC1 in the camera\'s units; float '
                             'TIFF: 32FC1 metres); a folder holding both takes *.depth.* '
                             'files as depth (7-Scenes)')
    parser.add_argument('--depth-topic', default='/camera/depth/image_raw')


def run(args):
    """Run `alike-ros make-bag`."""
    from tqdm import tqdm

    from alike_ros.tools import rgbd_folder
    from alike_ros.tools.bag import camera_info_file, make_bag, read_frames
    if args.depth is None and rgbd_folder.is_rgbd_folder(args.source):
        return _rgbd(args)
    info = None
    if args.camera_info:
        height, width = next(iter(read_frames(args.source))).shape[:2]
        info = camera_info_file(args.camera_info, width, height)
    with tqdm(unit='frame', desc='make-bag') as bar:
        n = make_bag(args.source, args.out, args.rate, args.storage, args.encoding, args.topic,
                     loops=args.loops, progress=bar.update, camera_info=info, depth=args.depth,
                     depth_topic=args.depth_topic)
    print(f'wrote {n} frames to {args.out} ({args.storage}, {args.encoding}, {args.rate} Hz, '
          f'topic {args.topic}' + (f', depth on {args.depth_topic})' if args.depth else ')'))


def _rgbd(args):
    from tqdm import tqdm

    from alike_ros.tools import rgbd_folder
    from alike_ros.tools.bag import make_bag
    folder = rgbd_folder.read(args.source, args.camera_info, rate=args.rate)
    frames, depths = folder.images()
    tum = folder.layout == 'tum'
    stamps = list(folder.stamps_ns) if tum else None
    depth_stamps = list(folder.depth_stamps) if tum else None
    with tqdm(total=len(folder) * args.loops, unit='frame', desc='make-bag') as bar:
        n = make_bag(frames, args.out, args.rate, args.storage, args.encoding, args.topic,
                     loops=args.loops, progress=bar.update, camera_info=folder.camera_info,
                     stamps_ns=stamps, depth=depths, depth_topic=args.depth_topic,
                     depth_stamps_ns=depth_stamps)
    units = f'{folder.depth_scale:g} units a metre: depth_scale:={folder.depth_scale:g}'
    print(f'wrote {n} frames of a {folder.layout} RGB-D folder to {args.out} ({args.storage}, '
          f'{args.encoding}, topic {args.topic}, depth on {args.depth_topic} in {units}; '
          f"camera {folder.camera_info['source']})")
