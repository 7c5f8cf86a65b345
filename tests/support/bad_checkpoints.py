"""Every kind of bad checkpoint a user can hold, each with the words its one-line error must contain."""

from __future__ import annotations

import pickle
from pathlib import Path

import torch

from support.models import TINY, official_checkpoint


class RunsCode:
    """Unpickling this calls os.system: a weights_only loader must refuse it."""

    def __reduce__(self):
        import os

        return (os.system, ("touch PWNED",))


def _write(path: Path, obj) -> Path:
    torch.save(obj, path)
    return path


def bad_checkpoints(tmp_path: Path, good: Path) -> dict[str, tuple[Path, str]]:
    data = good.read_bytes()
    sd = official_checkpoint(TINY)
    gen = sd["genA2B"]
    cases = {
        "missing": (tmp_path / "nope.pt", "checkpoint not found"),
        "directory": (tmp_path, "is a directory"),
        "empty": (tmp_path / "empty.pt", "empty"),
        "text": (tmp_path / "notes.pt", "not a PyTorch checkpoint"),
        "truncated": (tmp_path / "cut.pt", "truncated or corrupted"),
        "corrupt_middle": (tmp_path / "rot.pt", "corrupted (CRC mismatch"),
        "not_a_dict": (_write(tmp_path / "list.pt", [1, 2]), "holds a list, not a dict"),
        "no_generator": (_write(tmp_path / "opt.pt", {"optimizer": {}, "step": 3}), "no U-GAT-IT generator"),
        "bare_state_dict": (_write(tmp_path / "bare.pt", gen), "bare generator state_dict"),
        "missing_key": (
            _write(tmp_path / "mk.pt", {"genA2B": {k: v for k, v in gen.items() if k != "UpBlock2.8.rho"}}),
            "missing keys 'UpBlock2.8.rho'",
        ),
        "unexpected_key": (
            _write(tmp_path / "uk.pt", {"genA2B": {**gen, "extra.weight": torch.zeros(1)}}),
            "unexpected keys 'extra.weight'",
        ),
        "shape_mismatch": (
            _write(tmp_path / "sm.pt", {"genA2B": {**gen, "UpBlock2.11.weight": torch.zeros(3, 8, 5, 5)}}),
            "shape mismatch for 'UpBlock2.11.weight': expected [3, 8, 7, 7], found [3, 8, 5, 5]",
        ),
        "impossible_fc": (
            _write(tmp_path / "fc.pt", {"genA2B": {**gen, "FC.0.weight": torch.zeros(32, 33)}}),
            "FC.0.weight has 33 inputs",
        ),
        "not_a_tensor": (
            _write(tmp_path / "nt.pt", {"genA2B": {**gen, "gamma.weight": "x"}}),
            "not a tensor",
        ),
        "generator_not_a_dict": (_write(tmp_path / "gnd.pt", {"genA2B": 3}), "not a state_dict"),
        "unsafe_pickle": (tmp_path / "evil.pt", "refusing to load"),
        "newer_format": (
            _write(tmp_path / "new.pt", {"format": "ugatit-deploy/generator", "format_version": 99}),
            "format_version 99",
        ),
        "contradicting_config": (
            _write(
                tmp_path / "cc.pt",
                {
                    "format": "ugatit-deploy/generator",
                    "format_version": 1,
                    "direction": "a2b",
                    "config": {"ngf": 16, "n_blocks": 2, "img_size": 64, "light": True},
                    "state_dict": gen,
                },
            ),
            "contradicts the weights",
        ),
    }
    (tmp_path / "empty.pt").write_bytes(b"")
    (tmp_path / "notes.pt").write_text("these are not weights\n")
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    rotten = bytearray(data)
    middle = len(rotten) // 3
    rotten[middle : middle + 64] = b"\x00" * 64  # zip headers intact, a record's bytes destroyed
    (tmp_path / "rot.pt").write_bytes(bytes(rotten))
    with open(tmp_path / "evil.pt", "wb") as handle:
        pickle.dump({"genA2B": RunsCode()}, handle)
    return cases


BAD_CASES = [
    "missing", "directory", "empty", "text", "truncated", "corrupt_middle", "not_a_dict", "no_generator",
    "bare_state_dict", "missing_key", "unexpected_key", "shape_mismatch", "impossible_fc", "not_a_tensor",
    "generator_not_a_dict", "unsafe_pickle", "newer_format", "contradicting_config",
]  # fmt: skip
