"""Human-readable text (gui/text.py): what people read instead of exceptions, byte counts and enum values."""

from __future__ import annotations

from datetime import datetime

from photoseek.core.domain import Photo, PhotoState, SearchHit, Sort
from photoseek.core.errors import FolderError
from photoseek.core.library import DownloadPhase, DownloadProgress
from photoseek.gui.text import (
    describe_error,
    download_text,
    duration,
    human_size,
    languages_text,
    offline_message,
    photo_facts,
    pretty_path,
    results_header,
)


def test_errors_read_as_a_message_and_a_hint_never_a_traceback() -> None:
    assert describe_error(FolderError("not a folder: /x", hint="Pick a folder")) == ("not a folder: /x", "Pick a folder")
    msg, hint = describe_error(FileNotFoundError(2, "No such file or directory", "/photos/a.jpg"))
    assert msg == "No such file or directory: /photos/a.jpg" and hint is None
    msg, hint = describe_error(ValueError("boom"))
    assert "ValueError" in msg and "boom" in msg and hint == "Details are in the log."


def test_sizes_and_durations() -> None:
    assert human_size(0) == "0 bytes"
    assert human_size(1536) == "1.5 KB"
    assert human_size(5 * 1024**3) == "5.0 GB"
    assert human_size(3 * 1024**5) == f"{3 * 1024**2:.1f} GB"  # never a unit beyond GB
    assert duration(4.6) == "5 s"
    assert duration(125) == "2 min"
    assert duration(3 * 3600 + 7 * 60) == "3 h 7 min"


def test_results_header_names_the_sort_and_the_limit() -> None:
    assert results_header(1, 0, "“red”", Sort.RELEVANCE, 1000) == "1 photo for “red” · best match first"
    assert results_header(1000, 0, "photos like a.jpg", Sort.NEWEST, 1000) == \
        "1,000 photos for photos like a.jpg · newest first (limit reached)"
    assert results_header(2, 0, "x", Sort.OLDEST, 1000).endswith("oldest first")


def test_results_header_counts_matches_and_weaker_results() -> None:
    assert results_header(3, 58, "“a cat”", Sort.RELEVANCE, 1000) == \
        "3 matches (58 weaker) for “a cat” · best match first"
    assert results_header(1, 2, "x", Sort.RELEVANCE, 1000).startswith("1 match (2 weaker)")
    assert results_header(0, 61, "x", Sort.RELEVANCE, 1000).startswith("No matches (61 weaker)")


def test_photo_facts_say_when_the_date_is_the_file_date() -> None:
    p = Photo(1, "/photos/trip/a.jpg", 1, 2048, datetime(2020, 5, 1, 12, 0).timestamp(), None, 640, 480, None, None,
              PhotoState.OK)
    facts = dict(photo_facts(SearchHit(p, 0.5)))
    assert facts["Folder"] == "/photos/trip"
    assert facts["Size"] == "2.0 KB" and facts["Dimensions"] == "640 × 480"
    assert facts["Taken"] == "01 May 2020, 12:00 (file date)"
    assert facts["Camera"] == "unknown" and facts["Score"] == "0.500"


def test_offline_message_and_pretty_path(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    assert offline_message(["/mnt/a"])[0] == "Folder not found: /mnt/a"
    assert offline_message(["/mnt/a", "/mnt/b", "/mnt/c"])[0] == "Folder not found: /mnt/a (+2 more)"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert pretty_path(str(tmp_path / "Pictures")) == "~/Pictures"
    assert pretty_path("/elsewhere") == "/elsewhere" and pretty_path(None) == ""


def test_download_progress_reads_as_bytes_rate_and_time_left() -> None:
    mb = 1024 * 1024
    p = DownloadProgress(DownloadPhase.DOWNLOADING, 123 * mb, 580 * mb, rate=5 * mb)
    assert download_text(p) == "123.0 MB of 580.0 MB · 5.0 MB/s · about 1 min left"
    assert download_text(DownloadProgress(DownloadPhase.DOWNLOADING, 0, 580 * mb)) == "0 bytes of 580.0 MB"
    assert download_text(DownloadProgress(DownloadPhase.QUANTIZING, 9, 9)).startswith("Converting to int8")
    assert download_text(DownloadProgress(DownloadPhase.CONNECTING, 0, 9)) == "Connecting to the model server…"


def test_languages_read_as_words() -> None:
    assert languages_text(("en",)) == "English"
    assert languages_text(("en", "mul")) == "Many languages"
    assert languages_text(("mul", "en", "de", "fr")) == "Many languages"
