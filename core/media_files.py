"""Where a stored attachment's file is on disk: the one rule every reader of media files uses."""

from __future__ import annotations

from pathlib import Path


def on_disk(media_dir: Path, stored: str | None) -> Path | None:
    """The file `stored` names, if it is there; else None.

    A stored path is absolute (as our own code wrote it), or relative to the media directory, or relative
    to the working directory (what the WhatsApp fetcher writes when MEDIA_DIR itself is relative, e.g. the
    demo's `var/demo/media`); a relative one must not lead out of the media directory.
    """
    if not stored:
        return None
    given = Path(stored)
    if given.is_absolute():
        return given if given.is_file() else None
    root = media_dir.resolve()
    for candidate in (media_dir / given, given):
        path = candidate.resolve()
        if path.is_relative_to(root) and path.is_file():
            return path
    return None
