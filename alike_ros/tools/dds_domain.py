# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
DDS domains that no other run on this machine uses at the same time.

A domain is claimed by an exclusive lock on a file of its own (released when the process
exits, however it exits), so parallel test runs and tools never share one, unlike a domain
drawn at random or from the pid. Only 1-101: Linux hands out ephemeral ports from 32768,
which the ports of domains above 101 overlap (ROS 2 docs, "The ROS_DOMAIN_ID").
"""

import fcntl
import os
from pathlib import Path
import tempfile

DOMAINS = range(1, 102)
_held = {}  # domain -> its open lock file (closing it releases the claim)


def lock_dir():
    """Return the folder of the domains' lock files (shared by every user of the machine)."""
    path = Path(tempfile.gettempdir()) / 'alike_ros_dds_domains'
    path.mkdir(mode=0o777, exist_ok=True)
    return path


def claim_domain(exclude=()):
    """
    Claim a free domain of 1-101 for this process until it exits or release() is called.

    The search starts at a pid-dependent domain, so runs started together rarely even try
    the same lock. Raises RuntimeError when every domain is held.
    """
    start = os.getpid() % len(DOMAINS)
    for i in range(len(DOMAINS)):
        domain = DOMAINS[(start + i) % len(DOMAINS)]
        if domain in _held or domain in exclude:
            continue
        lock = open(lock_dir() / f'{domain}.lock', 'a')
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        _held[domain] = lock
        return domain
    raise RuntimeError(f'every DDS domain {DOMAINS.start}-{DOMAINS.stop - 1} is in use on '
                       f'this machine (locks in {lock_dir()})')


def release(domain):
    """Give a claimed domain back."""
    lock = _held.pop(domain, None)
    if lock is not None:
        lock.close()
