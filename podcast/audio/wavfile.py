"""Float32 WAV files written in one streaming pass and trimmed in place afterwards.

The header reserves room so that, once the leading/trailing silence is known, the kept
samples become the `data` chunk without copying: the skipped lead is covered by a `JUNK`
chunk (which every reader skips) and the tail is cut off with truncate(). Files larger than
4 GiB are written as RF64 (the reserved `JUNK` slot becomes `ds64`, per EBU Tech 3306).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

_FMT = 26  # 'fmt ' + size + 18-byte WAVEFORMATEX (IEEE float)
_DS64 = 8 + 28  # reserved for a ds64 chunk (written as JUNK when not needed)
_FACT = 12
_HEAD = 12 + _DS64 + _FMT + _FACT + 8 + 8  # RIFF + ds64 + fmt + fact + min JUNK + data header
_U32 = 0xFFFFFFFF
RF64_ABOVE = _U32  # RIFF sizes above this are written as RF64 (a constant so tests can lower it)


class WavWriter:
    """Stream float32 frames to `path`; `close(start, end)` keeps frames [start, end)."""

    def __init__(self, path: Path, rate: int, channels: int):
        self.path = Path(path)
        self.rate = rate
        self.channels = channels
        self.frames = 0
        self._f: BinaryIO = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._f.write(b"\0" * _HEAD)

    def write(self, x: np.ndarray) -> None:
        x = np.ascontiguousarray(x, dtype="<f4")
        self._f.write(memoryview(x).cast("B"))  # type: ignore[arg-type]  # numpy arrays are buffers
        self.frames += len(x)

    def close(self, start: int = 0, end: int | None = None) -> int:
        """Keep frames [start, end) as the data chunk; returns the number of frames kept."""
        end = self.frames if end is None else min(end, self.frames)
        start = max(0, min(start, end))
        width = 4 * self.channels
        data_off = _HEAD + start * width  # first kept byte
        data_len = (end - start) * width
        self._f.truncate(data_off + data_len)
        riff_len = data_off + data_len - 8
        big = riff_len > RF64_ABOVE
        f = self._f
        f.seek(0)
        f.write(b"RF64" if big else b"RIFF")
        f.write(struct.pack("<I", _U32 if big else riff_len))
        f.write(b"WAVE")
        if big:
            f.write(b"ds64" + struct.pack("<IQQQI", 28, riff_len, data_len, end - start, 0))
        else:
            f.write(b"JUNK" + struct.pack("<I", 28) + b"\0" * 28)
        f.write(b"fmt " + struct.pack("<IHHIIHHH", 18, 3, self.channels, self.rate,
                                       self.rate * width, width, 32, 0))  # fmt: skip
        f.write(b"fact" + struct.pack("<II", 4, min(end - start, _U32)))
        junk_len = data_off - 8 - f.tell() - 8
        f.write(b"JUNK" + struct.pack("<I", junk_len))
        f.seek(data_off - 8)
        f.write(b"data" + struct.pack("<I", _U32 if big else data_len))
        f.close()
        return end - start

    def abort(self) -> None:
        self._f.close()
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class WavInfo:
    rate: int
    channels: int
    dtype: str  # numpy dtype of a sample: "<f4" or "<i2"
    offset: int  # byte offset of the first frame
    frames: int


def wav_info(path: Path) -> WavInfo | None:
    """Layout of a plain float32 or 16-bit PCM WAV/RF64 that we can read directly, else None."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            return None
        big_data: int | None = None
        fmt = None
        fmt_body = b""
        while True:
            ch = f.read(8)
            if len(ch) < 8:
                return None
            cid, size = ch[:4], struct.unpack("<I", ch[4:])[0]
            if cid == b"ds64":
                big_data = struct.unpack("<Q", f.read(size)[8:16])[0]
                continue
            if cid == b"fmt ":
                fmt_body = f.read(size)
                fmt = struct.unpack("<HHIIHH", fmt_body[:16])
            elif cid == b"data":
                if fmt is None:
                    return None
                tag, channels, rate, _, align, bits = fmt
                if tag == 0xFFFE and len(fmt_body) >= 26:
                    tag = struct.unpack("<H", fmt_body[24:26])[0]
                kinds = {(3, 32): "<f4", (1, 16): "<i2"}
                dtype = kinds.get((tag, bits))
                if dtype is None:
                    return None
                length = big_data if size == _U32 and big_data is not None else size
                avail = Path(path).stat().st_size - f.tell()
                return WavInfo(rate, channels, dtype, f.tell(), min(length, avail) // align)
            else:
                f.seek(size + (size & 1), 1)


def read_frames(path: Path, info: WavInfo, start: int, count: int) -> np.ndarray:
    """Frames [start, start+count) as float32 (frames, channels); zeros past the end."""
    count = max(0, count)
    out = np.zeros((count, info.channels), np.float32)
    lo, hi = max(0, start), min(info.frames, start + count)
    if hi > lo:
        width = np.dtype(info.dtype).itemsize * info.channels
        with open(path, "rb") as f:
            f.seek(info.offset + lo * width)
            raw = np.fromfile(f, dtype=info.dtype, count=(hi - lo) * info.channels)
        block = raw.reshape(-1, info.channels).astype(np.float32)
        if info.dtype == "<i2":
            block /= 32768.0
        out[lo - start : lo - start + len(block)] = block
    return out
