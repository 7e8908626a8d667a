"""Content-addressed stage cache.

Layout: <cache>/<stage>/<key>/ holding the stage's files plus `meta.json` (written last,
so an entry without it is incomplete; it lists every file of the entry with its size).
Entries are built in a temporary folder `<cache>/<stage>/.<key>.<pid>-<random>.tmp` and
renamed into place, so a killed run never leaves a half-written entry; the next run removes
temporary folders whose process is gone. A missing or unreadable entry, or one whose files
are missing or of the wrong size, is a miss, logged at debug level, never an error. Within a
run one key is built by one thread at a time (two episodes with the same recording share it).

Large input files are hashed once: (size, mtime, inode) -> sha256 is remembered in
<cache>/hashes.json, so an unchanged recording is not read again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import threading
import time
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
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
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
        view._key_locks = self._key_locks
        return view

    def save(self) -> None:
        """Write the hash memo. A failure (disk full) only costs re-hashing next time."""
        with self._lock:
            if self._dirty and self._hashes is not None:
                try:
                    atomic_write_text(
                        self.root / "hashes.json", json.dumps(self._hashes, sort_keys=True)
                    )
                except OSError as e:
                    log.warning(
                        "%s: could not save the file-hash memo (%s); the next run "
                        "re-reads the recordings",
                        self.root / "hashes.json",
                        e,
                    )
                    return
                self._dirty = False

    # ---------------------------------------------------------------- entries
    def entry(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    def lookup(self, stage: str, key: str) -> dict | None:
        """The entry's meta.json contents, or None on a miss (missing, unreadable, or its
        files missing or of the wrong size)."""
        entry = self.entry(stage, key)
        try:
            data = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            if data.get("format") != CACHE_FORMAT:
                raise ValueError("old cache format")
            for name, size in data.get("files", {}).items():
                if (entry / name).stat().st_size != size:
                    raise ValueError(f"{name} has the wrong size")
            return data
        except (OSError, ValueError, AttributeError, TypeError) as e:
            log.debug("cache miss %s/%s: %s", stage, key[:12], e)
            return None

    def store(self, stage: str, key: str, slug: str, build: Callable[[Path], dict]) -> dict:
        """Run build(tmpdir) -> result dict, then move the folder into place atomically."""
        final = self.entry(stage, key)
        tmp = final.with_name(f".{key}.{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp")
        tmp.mkdir(parents=True)
        try:
            result = build(tmp)
            files = {
                p.relative_to(tmp).as_posix(): p.stat().st_size
                for p in sorted(tmp.rglob("*"))
                if p.is_file()
            }
            meta = {
                "format": CACHE_FORMAT,
                "stage": stage,
                "slug": slug,
                "result": result,
                "files": files,
            }
            atomic_write_text(tmp / "meta.json", json.dumps(meta, sort_keys=True, indent=1))
            self._install(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return meta

    def _install(self, tmp: Path, final: Path) -> None:
        """Rename a finished entry into place; a broken entry there is moved aside first."""
        if final.exists():
            aside = final.with_name(f".{final.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp")
            os.replace(final, aside)
            shutil.rmtree(aside, ignore_errors=True)
        try:
            os.replace(tmp, final)
        except OSError:
            # another process installed the same key meanwhile: keep theirs when it is sound
            if self.lookup(final.parent.name, final.name) is None:
                raise

    def _key_lock(self, stage: str, key: str) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault((stage, key), threading.Lock())

    def cached(
        self, stage: str, key: str, slug: str, build: Callable[[Path], dict]
    ) -> tuple[dict, Path, bool]:
        """(result, entry folder, hit?) for a stage: reuse the entry or build it."""
        with self._key_lock(stage, key):
            meta = self.lookup(stage, key)
            hit = meta is not None
            if meta is None and self.readonly:
                raise CacheMiss(f"{stage} for {slug} is not in the cache")
            if meta is None:
                meta = self.store(stage, key, slug, build)
        return meta["result"], self.entry(stage, key), hit

    def clean_temporaries(self) -> None:
        """Remove half-built entries left by killed runs (not those of a live process)."""
        if not self.root.is_dir():
            return
        for stage in self.root.iterdir():
            if stage.is_dir():
                for tmp in stage.glob(".*.tmp"):
                    if not _owner_alive(tmp.name):
                        shutil.rmtree(tmp, ignore_errors=True)
        for tmp in self.root.glob(".*.tmp"):  # atomic_write_text leftovers (hashes.json)
            with contextlib.suppress(OSError):
                if time.time() - tmp.stat().st_mtime > 600:
                    tmp.unlink()


def _owner_alive(name: str) -> bool:
    """Whether the process that named a temporary folder `.<key>.<pid>-<rand>.tmp` runs."""
    try:
        pid = int(name.rsplit(".", 2)[-2].split("-")[0])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
