"""The stage cache: hits, misses, atomic entries, unreadable entries are misses."""

from __future__ import annotations

import json

from podcast.cache import Cache, digest


def test_digest_is_stable_and_order_independent():
    assert digest({"a": 1, "b": 2}) == digest({"b": 2, "a": 1})
    assert digest("x", 1) != digest("x", 2)


def test_build_once_then_hit(tmp_path):
    cache = Cache(tmp_path / "c")
    calls = []

    def build(tmp):
        calls.append(tmp)
        (tmp / "out.txt").write_text("made")
        return {"file": "out.txt"}

    r1, entry, hit1 = cache.cached("stage", "k1", "ep", build)
    r2, entry2, hit2 = cache.cached("stage", "k1", "ep", build)
    assert (hit1, hit2) == (False, True)
    assert len(calls) == 1 and r1 == r2 == {"file": "out.txt"}
    assert (entry / "out.txt").read_text() == "made"
    assert json.loads((entry / "meta.json").read_text())["slug"] == "ep"


def test_unreadable_entry_is_a_miss(tmp_path):
    cache = Cache(tmp_path / "c")
    cache.cached("stage", "k", "ep", lambda tmp: {"v": 1})
    (cache.entry("stage", "k") / "meta.json").write_text("{broken")
    result, _, hit = cache.cached("stage", "k", "ep", lambda tmp: {"v": 2})
    assert not hit and result == {"v": 2}


def test_failed_build_leaves_no_entry(tmp_path):
    cache = Cache(tmp_path / "c")

    def boom(tmp):
        (tmp / "half.bin").write_bytes(b"x")
        raise RuntimeError("killed")

    try:
        cache.cached("stage", "k", "ep", boom)
    except RuntimeError:
        pass
    assert cache.lookup("stage", "k") is None
    assert list((tmp_path / "c" / "stage").iterdir()) == []


def test_file_hash_skips_unchanged_files(tmp_path, monkeypatch):
    import podcast.cache as mod

    f = tmp_path / "big.wav"
    f.write_bytes(b"a" * 1000)
    cache = Cache(tmp_path / "c")
    h1 = cache.file_hash(f)
    cache.save()
    reads = []
    real = mod.sha256_file
    monkeypatch.setattr(mod, "sha256_file", lambda p: reads.append(p) or real(p))
    again = Cache(tmp_path / "c")
    assert again.file_hash(f) == h1 and reads == []
    f.write_bytes(b"b" * 1000)
    assert again.file_hash(f) != h1 and reads == [f]
