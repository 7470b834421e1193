"""One rule finds a stored attachment's file: absolute, under the media directory, or (a relative MEDIA_DIR,
as the demo's) relative to the working directory; a relative path never leads out of the media directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.media_files import on_disk


def test_every_form_of_stored_path_is_found_and_nothing_outside(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    media = Path("var/demo/media")  # relative, as the demo's settings
    (media / "ab").mkdir(parents=True)
    (media / "ab" / "x.jpg").write_bytes(b"jpg")
    (tmp_path / "secret.txt").write_text("no")
    found = (tmp_path / media / "ab" / "x.jpg").resolve()
    assert on_disk(media, "var/demo/media/ab/x.jpg") == found  # what the WhatsApp fetcher wrote
    assert on_disk(media, "ab/x.jpg") == found  # relative to the media directory
    assert on_disk(media, str(found)) == found  # absolute
    assert on_disk(media, "ab/missing.jpg") is None
    assert on_disk(media, "../../../secret.txt") is None and on_disk(media, "ab/../../../../secret.txt") is None
    assert on_disk(media, None) is None and on_disk(media, "") is None
