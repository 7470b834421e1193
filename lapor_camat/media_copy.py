"""MEDIA_DIR for backups and restores: copied file by file, and where each stored path's file is inside it."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.media_files import on_disk

WORKERS = 4  # copying is waiting on the disk: a few threads at once go faster than one
Say = Callable[[str], None]


def listing(root: Path) -> dict[str, int]:
    """Every file under `root` (as a relative path) with its size; half-written `.part` files left out."""
    found: dict[str, int] = {}
    for folder, _dirs, names in os.walk(root):
        base = os.path.relpath(folder, root)
        for name in names:
            if not name.endswith(".part"):
                with contextlib.suppress(FileNotFoundError):
                    found[os.path.normpath(os.path.join(base, name))] = os.stat(os.path.join(folder, name)).st_size
    return found


def copy_tree(source: Path, target: Path, say: Say, live: bool = False) -> tuple[set[str], int, int]:
    """Copy the files under `source` into `target`; the files `target` then holds of them, and the files and
    bytes copied. Into a `live` MEDIA_DIR, each file appears whole (written aside, then renamed) and a file
    already there with the same size is kept: media files are named by their content and never rewritten."""
    wanted = listing(source) if source.is_dir() else {}
    have = listing(target) if live and target.is_dir() else {}
    todo = {rel: size for rel, size in wanted.items() if have.get(rel) != size}
    for folder in {os.path.dirname(rel) for rel in todo}:
        (target / folder).mkdir(parents=True, exist_ok=True)

    def one(rel: str) -> bool:
        dst = target / rel
        partial = dst.with_name(f".{dst.name}.{os.getpid()}.part") if live else dst
        try:
            shutil.copyfile(source / rel, partial)
        except FileNotFoundError:  # gone between listing and copying: not one the dump can name
            return False
        if live:
            partial.replace(dst)
        return True

    present, files, size, last = set(wanted) - set(todo), 0, 0, time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        for rel, copied in zip(todo, pool.map(one, todo), strict=True):
            if copied:
                present.add(rel)
                files, size = files + 1, size + todo[rel]
            if time.monotonic() - last > 5:
                say(f"  … media: {files:,} of {len(todo):,} files ({size / 1e6:,.1f} MB)")
                last = time.monotonic()
    return present, files, size


def inside(stored: str, media_dir: Path, present: set[str], cwd: Path | None = None) -> str | None:
    """Where the file `stored` names is among `present` (paths relative to `media_dir`), read as `on_disk`
    reads it (absolute, relative to MEDIA_DIR, or to the working directory); None if it is not there."""
    root = os.path.abspath(media_dir)
    here = str(cwd or os.getcwd())
    tries = [stored] if os.path.isabs(stored) else [os.path.join(root, stored), os.path.join(here, stored)]
    for path in map(os.path.normpath, tries):
        if path.startswith(root + os.sep) and (relative := path[len(root) + 1:]) in present:
            return relative
    found = on_disk(media_dir, stored)  # through a symbolic link, say: the slow way
    if found is not None and found.is_relative_to(media_dir.resolve()):
        relative = found.relative_to(media_dir.resolve()).as_posix()
        return relative if relative in present else None
    return None
