"""Convert a CTranslate2 Whisper model (e.g. the bundled tiny.en) into an openai-whisper checkpoint.

The openai-whisper engine cannot download weights offline, so it runs the *same* weights as the
faster-whisper default, read straight from CTranslate2's `model.bin` (binary format version 6:
header, then name/shape/dtype/bytes for every variable, then aliases). CTranslate2 fuses the
query/key/value projections; they are split back here. Whisper's key projection has no bias.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, BinaryIO

from podcast.errors import ModelError

_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")


def read_ct2_variables(model_bin: Path) -> dict[str, Any]:
    """Every variable in a CTranslate2 `model.bin` as a numpy array (aliases resolved)."""
    import numpy as np

    with open(model_bin, "rb") as f:
        version = _unpack(f, "I")
        if version < 5:
            raise ModelError(f"{model_bin}: CTranslate2 binary version {version} is not supported")
        _string(f)  # spec name
        _unpack(f, "I")  # revision
        variables: dict[str, Any] = {}
        for _ in range(_unpack(f, "I")):
            name = _string(f)
            rank = _unpack(f, "B")
            shape = struct.unpack(f"{rank}I", f.read(4 * rank)) if rank else ()
            dtype = _DTYPES[_unpack(f, "B")]
            nbytes = _unpack(f, "I")
            raw = f.read(nbytes)
            if dtype == "bfloat16":
                raise ModelError(f"{model_bin}: bfloat16 weights are not supported for conversion")
            variables[name] = np.frombuffer(raw, dtype=dtype).reshape(shape)
        for _ in range(_unpack(f, "I")):
            alias, target = _string(f), _string(f)
            variables[alias] = variables[target]
    return variables


def _unpack(f: BinaryIO, fmt: str) -> int:
    return int(struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0])


def _string(f: BinaryIO) -> str:
    length = _unpack(f, "H")
    return f.read(length)[:-1].decode("utf-8")


def ct2_to_openai_checkpoint(model_dir: Path) -> dict[str, Any]:
    """A dict `{"dims": ..., "model_state_dict": ...}` that `whisper.model.Whisper` loads."""
    import numpy as np
    import torch

    v = read_ct2_variables(model_dir / "model.bin")
    config = json.loads((model_dir / "config.json").read_text())
    n_enc, n_dec = _layers(v, "encoder"), _layers(v, "decoder")
    state = int(v["encoder/conv1/bias"].shape[0])
    dims = {
        "n_mels": int(v["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(v["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": state,
        "n_audio_head": int(v["encoder/num_heads"]),
        "n_audio_layer": n_enc,
        "n_vocab": int(v["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(v["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(v["decoder/embeddings/weight"].shape[1]),
        "n_text_head": int(v["decoder/num_heads"]),
        "n_text_layer": n_dec,
    }
    sd: dict[str, Any] = {}

    def put(name: str, array: Any) -> None:
        sd[name] = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))

    def linear(dst: str, src: str, bias: bool = True) -> None:
        put(f"{dst}.weight", v[f"{src}/weight"])
        if bias:
            put(f"{dst}.bias", v[f"{src}/bias"])

    def norm(dst: str, src: str) -> None:
        put(f"{dst}.weight", v[f"{src}/gamma"])
        put(f"{dst}.bias", v[f"{src}/beta"])

    def fused(dst: str, src: str, parts: tuple[str, ...]) -> None:
        weights = np.split(v[f"{src}/weight"], len(parts))
        biases = np.split(v[f"{src}/bias"], len(parts))
        for part, w, b in zip(parts, weights, biases, strict=True):
            put(f"{dst}.{part}.weight", w)
            if part != "key":
                put(f"{dst}.{part}.bias", b)

    for conv in ("conv1", "conv2"):
        linear(f"encoder.{conv}", f"encoder/{conv}")
    put("encoder.positional_embedding", v["encoder/position_encodings/encodings"])
    norm("encoder.ln_post", "encoder/layer_norm")
    for i in range(n_enc):
        s, d = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        fused(f"{d}.attn", f"{s}/self_attention/linear_0", ("query", "key", "value"))
        linear(f"{d}.attn.out", f"{s}/self_attention/linear_1")
        norm(f"{d}.attn_ln", f"{s}/self_attention/layer_norm")
        _mlp(linear, norm, d, s)
    put("decoder.token_embedding.weight", v["decoder/embeddings/weight"])
    put("decoder.positional_embedding", v["decoder/position_encodings/encodings"])
    norm("decoder.ln", "decoder/layer_norm")
    for i in range(n_dec):
        s, d = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        fused(f"{d}.attn", f"{s}/self_attention/linear_0", ("query", "key", "value"))
        linear(f"{d}.attn.out", f"{s}/self_attention/linear_1")
        norm(f"{d}.attn_ln", f"{s}/self_attention/layer_norm")
        linear(f"{d}.cross_attn.query", f"{s}/attention/linear_0")
        fused(f"{d}.cross_attn", f"{s}/attention/linear_1", ("key", "value"))
        linear(f"{d}.cross_attn.out", f"{s}/attention/linear_2")
        norm(f"{d}.cross_attn_ln", f"{s}/attention/layer_norm")
        _mlp(linear, norm, d, s)
    return {"dims": dims, "model_state_dict": sd, "alignment_heads": config.get("alignment_heads")}


def _layers(v: dict[str, Any], part: str) -> int:
    names = {k.split("/")[1] for k in v if k.startswith(f"{part}/layer_")}
    return 1 + max(int(n[6:]) for n in names if n[6:].isdigit())


def _mlp(linear: Any, norm: Any, d: str, s: str) -> None:
    linear(f"{d}.mlp.0", f"{s}/ffn/linear_0")
    linear(f"{d}.mlp.2", f"{s}/ffn/linear_1")
    norm(f"{d}.mlp_ln", f"{s}/ffn/layer_norm")


def load_openai_from_ct2(model_dir: Path) -> Any:
    """A `whisper.model.Whisper` (float32, CPU) holding the CTranslate2 model's weights."""
    import torch
    from whisper.model import ModelDimensions, Whisper

    checkpoint = ct2_to_openai_checkpoint(model_dir)
    dims = ModelDimensions(**checkpoint["dims"])
    model = Whisper(dims)
    missing, unexpected = model.load_state_dict(checkpoint["model_state_dict"], strict=False)
    # alignment_heads is a buffer the checkpoint does not carry; everything else must match
    if unexpected or [m for m in missing if m != "alignment_heads"]:
        raise ModelError(
            f"{model_dir}: conversion mismatch: missing {missing}, unexpected {unexpected}"
        )
    heads = checkpoint["alignment_heads"]
    if heads:
        mask = torch.zeros(dims.n_text_layer, dims.n_text_head, dtype=torch.bool)
        for layer, head in heads:
            mask[layer, head] = True
        model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
    return model.eval()
