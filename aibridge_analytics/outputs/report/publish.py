"""Putting a finished report in place: all or nothing, so a scheduler never publishes half a report.

Files are written into a staging directory beside the target (same file system, so the final
step is a rename), and only when every file is there does the staging directory take the
target's place. On Linux the swap is one atomic ``renameat2(RENAME_EXCHANGE)``; elsewhere it is
two renames, with the previous report restored if the second fails. A run killed at any point
leaves the previous report untouched (and at worst a hidden staging directory, removed by the
next run).

Only a report is ever replaced: the target must be absent, empty, or hold a ``manifest.json``
this package wrote (:func:`resolve_directory`). A symlink to a directory (``current ->
reports-v1``) is followed: the report goes into its target, staged and swapped beside the target,
and the symlink stays as it is.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aibridge_analytics.errors import OutputError
from aibridge_analytics.outputs.formats import output_failure, writing

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100

#: What ``manifest.json`` says of the package that wrote it (see ``_build._manifest``).
PACKAGE = "aibridge-analytics"


def is_report(directory: Path) -> bool:
    """Whether ``directory`` holds a report of this package (a ``manifest.json`` it wrote)."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        return bool(manifest["package"]["name"] == PACKAGE)
    except (OSError, ValueError, TypeError, KeyError):
        return False


def resolve_directory(out_dir: str | os.PathLike[str]) -> Path:
    """The directory a report goes to: ``out_dir`` with symlinks followed, checked before any work.

    It must be absent, empty or a previous report; anything else (an empty path, ``/``, a file, a
    directory holding other files) raises an OutputError naming ``out_dir``, and nothing is touched.
    """
    text = os.fspath(out_dir)
    if not text:
        raise OutputError("cannot write '': the report directory path is empty")
    real = Path(os.path.realpath(text))
    if real.parent == real:
        raise OutputError(f"cannot write {text!r}: the root directory cannot hold a report")
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        return real
    except OSError as exc:
        raise output_failure(text, exc) from exc
    if not stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {text!r}: it exists and is not a directory")
    with writing(text):
        if any(real.iterdir()) and not is_report(real):
            raise OutputError(
                f"cannot write {text!r}: a directory that is not empty and is not a report of "
                f"{PACKAGE} (no manifest.json of it); it is left untouched"
            )
    return real


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
            pid = path.name[len(prefix) :]
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
def staged(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty staging directory; on success it replaces ``target`` in one step.

    ``target`` is checked by :func:`resolve_directory` (again just before the swap, as a run takes
    a while). On an exception the staging directory is removed and ``target`` is left as it was; a
    failure to write (a full or read-only disk) is an OutputError naming ``target``.
    """
    name = os.fspath(target)
    real = resolve_directory(name)
    staging = real.with_name(f".{real.name}.staging-{os.getpid()}")
    try:
        with writing(name):
            real.parent.mkdir(parents=True, exist_ok=True)
            _clean_stale(real)
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            yield staging
            resolve_directory(name)  # still absent, empty or a report after the run
            _swap_in(staging, real)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
