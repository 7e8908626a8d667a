"""Content-addressed stage cache.

Layout: <cache>/<stage>/<key>/ holding the stage's files plus `meta.json` (written last,
so an entry without it is incomplete). Entries are built in a temporary folder and
renamed into place, so a killed run never leaves a half-written entry. A missing or
unreadable entry is a miss, logged at debug level, never an error.

Large input files are hashed once: (size, mtime, inode) -> sha256 is remembered in
<cache>/hashes.json, so an unchanged recording is not read again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("podcast")

CACHE_FORMAT = 1


class CacheMiss(Exception):
    """Raised by a read-only cache (publish --only) instead of building an entry."""


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def digest(*parts: Any) -> str:
    """A stable hash of JSON-able parts (settings, versions, other hashes)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Cache:
    def __init__(self, root: Path, *, readonly: bool = False):
        self.root = root
        self.readonly = readonly
        self._lock = threading.Lock()
        self._hashes: dict[str, list] | None = None
        self._dirty = False

    # ---------------------------------------------------------------- hashing
    def _load_hashes(self) -> dict[str, list]:
        if self._hashes is None:
            try:
                self._hashes = json.loads((self.root / "hashes.json").read_text())
                if not isinstance(self._hashes, dict):
                    raise ValueError("not a mapping")
            except (OSError, ValueError) as e:
                log.debug("cache: no usable hashes.json (%s); this is normal on a first run", e)
                self._hashes = {}
        return self._hashes

    def file_hash(self, path: Path) -> str:
        """sha256 of a file, skipping the read when size, mtime and inode are unchanged."""
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        key = str(path.resolve())
        with self._lock:
            known = self._load_hashes().get(key)
            if known and known[:3] == stamp:
                return str(known[3])
        value = sha256_file(path)
        with self._lock:
            self._load_hashes()[key] = [*stamp, value]
            self._dirty = True
        return value

    def read_only(self) -> Cache:
        """A view of the same cache that never builds (shares the hash memo)."""
        view = Cache(self.root, readonly=True)
        view._hashes = self._load_hashes()
        view._lock = self._lock
        return view

    def save(self) -> None:
        with self._lock:
            if self._dirty and self._hashes is not None:
                atomic_write_text(self.root / "hashes.json", json.dumps(self._hashes, sort_keys=True))
                self._dirty = False

    # ---------------------------------------------------------------- entries
    def entry(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    def lookup(self, stage: str, key: str) -> dict | None:
        """The entry's meta.json contents, or None on a miss (missing or unreadable)."""
        meta = self.entry(stage, key) / "meta.json"
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            if data.get("format") != CACHE_FORMAT:
                raise ValueError("old cache format")
            return data
        except (OSError, ValueError, AttributeError) as e:
            log.debug("cache miss %s/%s: %s", stage, key[:12], e)
            return None

    def store(
        self, stage: str, key: str, slug: str, build: Callable[[Path], dict]
    ) -> dict:
        """Run build(tmpdir) -> result dict, then move the folder into place atomically."""
        final = self.entry(stage, key)
        tmp = final.with_name(f".{key}.{uuid.uuid4().hex}.tmp")
        tmp.mkdir(parents=True)
        try:
            result = build(tmp)
            meta = {"format": CACHE_FORMAT, "stage": stage, "slug": slug, "result": result}
            atomic_write_text(tmp / "meta.json", json.dumps(meta, sort_keys=True, indent=1))
            if final.exists():
                shutil.rmtree(final, ignore_errors=True)
            os.replace(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return meta

    def cached(self, stage: str, key: str, slug: str, build: Callable[[Path], dict]) -> tuple[dict, Path, bool]:
        """(result, entry folder, hit?) for a stage: reuse the entry or build it."""
        meta = self.lookup(stage, key)
        hit = meta is not None
        if meta is None and self.readonly:
            raise CacheMiss(f"{stage} for {slug} is not in the cache")
        if meta is None:
            meta = self.store(stage, key, slug, build)
        return meta["result"], self.entry(stage, key), hit

    def clean_temporaries(self) -> None:
        """Remove half-built entries left by a killed run."""
        if not self.root.is_dir():
            return
        for stage in self.root.iterdir():
            if stage.is_dir():
                for tmp in stage.glob(".*.tmp"):
                    shutil.rmtree(tmp, ignore_errors=True)
