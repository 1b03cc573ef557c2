"""Putting a finished report in place: all or nothing, so a scheduler never publishes half a report.

Files are written into a staging directory beside the target (same file system, so the final
step is a rename), and only when every file is there does the staging directory take the
target's place. On Linux the swap is one atomic ``renameat2(RENAME_EXCHANGE)``; elsewhere it is
two renames, with the previous report restored if the second fails. A run killed at any point
leaves the previous report untouched (and at worst a hidden staging directory, removed by the
next run).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

#: Test hook: seconds to sleep just before the swap, so a test can kill a run at its last moment.
PAUSE_ENV = "AIBRIDGE_REPORT_PAUSE_BEFORE_PUBLISH"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(target: Path) -> None:
    """Remove staging or old directories left beside ``target`` by runs that no longer exist."""
    for prefix in (f".{target.name}.staging-", f".{target.name}.old-"):
        for path in target.parent.glob(prefix + "*"):
            pid = path.name[len(prefix):]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    return False  # EINVAL/ENOSYS (file system or kernel without it): fall back to two renames


def _swap_in(staging: Path, target: Path) -> None:
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging)  # now holds the previous report
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old)


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """Yield an empty staging directory; on success it replaces ``target`` in one step.

    On an exception the staging directory is removed and ``target`` is left as it was.
    """
    target = Path(target).absolute()
    if target.exists() and not target.is_dir():
        from ..errors import UsageError

        raise UsageError(f"--out {str(target)!r} exists and is not a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target)
    staging = target.with_name(f".{target.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        pause = os.environ.get(PAUSE_ENV)
        if pause:
            time.sleep(float(pause))
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
