"""The YAML parse cache (painkit._yamlio.read): a file's parse is kept as JSON beside it and used only while the
file's bytes are unchanged; what comes back is exactly what parsing gives; a bad file is never cached."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from painkit import _yamlio as yamlio


def _cache_of(path: Path) -> Path:
    return path.parent / "__pycache__" / f"{path.name}.painkit.json"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_second_read_gives_the_same_value_and_an_edit_is_seen(tmp_path):
    f = _write(tmp_path / "case.yaml", "id: a\ntitle: First\nitems: [1, 2.5, true, null]\n")
    first = yamlio.read(f)
    assert _cache_of(f).is_file()
    assert yamlio.read(f) == first == {"id": "a", "title": "First", "items": [1, 2.5, True, None]}
    _write(f, "id: a\ntitle: Second\nitems: []\n")  # same size class, new bytes: the old parse must not be used
    assert yamlio.read(f)["title"] == "Second"


def test_cached_values_keep_their_types(tmp_path):
    # number keys (instrument anchors: 0: "no pain") stay numbers; true stays bool, 1 stays int, 1.0 float
    f = _write(tmp_path / "anchors.yaml", "anchors: {0: none, 10: worst}\nflags: [true, 1, 1.0]\n")
    yamlio.read(f)
    again = yamlio.read(f)
    assert list(again["anchors"]) == [0, 10] and all(type(k) is int for k in again["anchors"])
    assert [type(v) for v in again["flags"]] == [bool, int, float]


def test_values_json_cannot_hold_are_parsed_each_time(tmp_path):
    f = _write(tmp_path / "dated.yaml", "reviewed: 2024-05-01\n")
    assert yamlio.read(f) == {"reviewed": dt.date(2024, 5, 1)}
    assert not _cache_of(f).exists()
    assert yamlio.read(f) == {"reviewed": dt.date(2024, 5, 1)}


def test_a_mapping_that_looks_like_the_cache_encoding_is_not_confused(tmp_path):
    f = _write(tmp_path / "odd.yaml", '"\\0pairs": [[1, 2]]\n')
    first = yamlio.read(f)
    assert first == {"\x00pairs": [[1, 2]]}
    assert yamlio.read(f) == first


def test_a_bad_file_is_never_cached_and_fails_every_time(tmp_path):
    f = _write(tmp_path / "bad.yaml", "id: a\nid: b\n")
    for _ in range(2):
        with pytest.raises(yamlio.YamlError, match="appears twice"):
            yamlio.read(f)
    assert not _cache_of(f).exists()


def test_a_damaged_or_foreign_cache_file_is_ignored(tmp_path):
    f = _write(tmp_path / "case.yaml", "id: a\n")
    yamlio.read(f)
    for junk in ('{"sha256": "0", "value": {"id": "planted"}}', "not json", '{"value": 1}', "[" * 100_000):
        _cache_of(f).write_text(junk)
        assert yamlio.read(f) == {"id": "a"}


def test_cache_is_readable_by_whoever_may_read_the_source(tmp_path):
    shared = _write(tmp_path / "shared.yaml", "id: a\n")
    shared.chmod(0o644)
    private = _write(tmp_path / "private.yaml", "id: b\n")
    private.chmod(0o600)
    yamlio.read(shared), yamlio.read(private)
    assert _cache_of(shared).stat().st_mode & 0o777 == 0o644
    assert _cache_of(private).stat().st_mode & 0o777 == 0o600


def _planted(tmp_path: Path) -> tuple[Path, Path]:
    """A case file and a cache for its exact bytes that says something else (what a planted cache would do)."""
    import hashlib
    import json

    f = _write(tmp_path / "case.yaml", "id: a\n")
    key = hashlib.sha256(yamlio._CACHE_VERSION + f.read_bytes()).hexdigest()
    (tmp_path / "__pycache__").mkdir()
    _cache_of(f).write_text(json.dumps({"sha256": key, "value": {"id": "planted"}}))
    return f, _cache_of(f)


def test_a_cache_in_a_folder_everyone_may_write_to_is_not_used(tmp_path):
    f, cache = _planted(tmp_path)
    assert yamlio.read(f) == {"id": "planted"}  # ours, in our own folder: used (the test's premise)
    cache.parent.chmod(0o777)
    assert yamlio.read(f) == {"id": "a"}


@pytest.mark.skipif(not hasattr(os, "chown") or os.geteuid() != 0, reason="giving a file away needs root")
def test_a_cache_written_by_another_user_is_not_used(tmp_path):
    f, cache = _planted(tmp_path)
    os.chown(cache, 54321, 54321)  # neither this user nor the case file's owner
    assert yamlio.read(f) == {"id": "a"}


def test_cache_folder_that_is_a_symlink_is_not_written_through(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "__pycache__").symlink_to(elsewhere, target_is_directory=True)
    f = _write(cases / "case.yaml", "id: a\n")
    assert yamlio.read(f) == {"id": "a"}
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_read_only_folder_reads_without_a_cache(tmp_path):
    f = _write(tmp_path / "case.yaml", "id: a\n")
    tmp_path.chmod(0o555)
    try:
        assert yamlio.read(f) == {"id": "a"}
        assert not (tmp_path / "__pycache__").exists()
    finally:
        tmp_path.chmod(0o755)


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("PAINKIT_YAML_CACHE", "off")
    f = _write(tmp_path / "case.yaml", "id: a\n")
    assert yamlio.read(f) == {"id": "a"}
    assert not (tmp_path / "__pycache__").exists()


def test_every_shipped_yaml_file_reads_the_same_from_the_cache(tmp_path, monkeypatch):
    """Each shipped data and case file, parsed without the cache, equals its first read (which writes the
    cache) and its second read (served from the cache: parsing is disabled for it)."""
    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "painkit" / "data").glob("*.yaml")) + sorted((root / "cases").glob("*.yaml"))
    assert len(files) > 40
    parsed = {src.name: yamlio.loads(src.read_text(encoding="utf-8")) for src in files}
    for src in files:
        copy = tmp_path / src.name
        copy.write_bytes(src.read_bytes())
        assert yamlio.read(copy) == parsed[src.name], src.name
        assert _cache_of(copy).is_file(), src.name

    def no_parsing(_text):
        raise AssertionError("parsed again although the file is unchanged")

    monkeypatch.setattr(yamlio, "loads", no_parsing)
    for src in files:
        assert yamlio.read(tmp_path / src.name) == parsed[src.name], src.name


def test_cache_command_keeps_parses_and_says_which_it_could_not(tmp_path, capsys):
    """python -m painkit cache FOLDER: every readable case's parse kept beside it; a file with dates or bad
    YAML is named with the reason; exit 0 (nothing failed to be written)."""
    from painkit.__main__ import main

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "lbp-chronic.yaml").write_bytes((root / "cases" / "lbp-chronic.yaml").read_bytes())
    _write(tmp_path / "dated.yaml", "reviewed: 2024-05-01\n")
    _write(tmp_path / "bad.yaml", "a: [\n")
    assert main(["cache", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert _cache_of(tmp_path / "lbp-chronic.yaml").is_file()
    assert "dated.yaml: not kept: its values do not fit JSON" in err
    assert "bad.yaml: not kept: not valid YAML: line 2" in err
    data = len(yamlio.data_paths())
    assert f"parses kept for {data + 1} of {data + 3} YAML files" in out


def test_cache_command_fails_when_a_folder_cannot_take_the_cache(tmp_path, capsys):
    from painkit.__main__ import main

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "__pycache__").symlink_to(elsewhere, target_is_directory=True)
    _write(cases / "case.yaml", "id: a\n")
    assert main(["cache", str(cases)]) == 1
    assert "case.yaml: not kept: cannot write in its folder (its __pycache__ is a link" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_cache_command_fails_when_it_cannot_write(tmp_path, capsys):
    from painkit.__main__ import main

    _write(tmp_path / "case.yaml", "id: a\n")
    tmp_path.chmod(0o555)
    try:
        assert main(["cache", str(tmp_path)]) == 1
    finally:
        tmp_path.chmod(0o755)
    assert "case.yaml: not kept: cannot write in its folder" in capsys.readouterr().err



def test_cache_command_says_a_folder_everyone_may_write_to_cannot_take_the_cache(tmp_path, capsys):
    from painkit.__main__ import main

    _write(tmp_path / "case.yaml", "id: a\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__").chmod(0o777)
    assert main(["cache", str(tmp_path)]) == 1
    assert "case.yaml: not kept: cannot write in its folder safely (its __pycache__ is writable by everyone" \
        in capsys.readouterr().err
    assert not _cache_of(tmp_path / "case.yaml").exists()  # nothing written where it would not be read back
