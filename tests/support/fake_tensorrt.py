"""A stand-in for the ``tensorrt`` module with the documented 10.x / 11.x builder API surface.

It records every call, so tests can check what ugatit-deploy asks TensorRT to do on machines where
TensorRT cannot be installed. It builds nothing: the "engine" is a few fixed bytes.
"""

from __future__ import annotations

import enum
import types


class NetworkDefinitionCreationFlag(enum.IntEnum):
    EXPLICIT_BATCH = 0
    STRONGLY_TYPED = 1


class BuilderFlag(enum.IntEnum):
    FP16 = 0
    INT8 = 1
    TF32 = 2
    VERSION_COMPATIBLE = 3


class MemoryPoolType(enum.IntEnum):
    WORKSPACE = 0


class HardwareCompatibilityLevel(enum.IntEnum):
    NONE = 0
    AMPERE_PLUS = 1


class IProgressMonitor:
    def __init__(self):
        pass


class _Error:
    def desc(self):
        return "Unsupported op: Foo"


class _TimingCache:
    def __init__(self, data):
        self.data = data

    def serialize(self):
        return b"timing-cache"


def make_fake_tensorrt(version: str, parse_ok: bool = True, build_ok: bool = True) -> types.ModuleType:
    """A ``tensorrt`` module whose calls land in its ``calls`` list; ``parse_ok`` / ``build_ok`` say whether
    parsing and building succeed."""
    calls: list[tuple] = []
    trt = types.ModuleType("tensorrt")
    trt.__version__ = version
    trt.calls = calls

    class Logger:
        WARNING = 2

        def __init__(self, severity):
            calls.append(("Logger", severity))

    class OnnxParser:
        def __init__(self, network, logger):
            self.num_errors = 0 if parse_ok else 1

        def parse_from_file(self, path):
            calls.append(("parse_from_file", path))
            return parse_ok

        def get_error(self, index):
            return _Error()

    for item in (Logger, NetworkDefinitionCreationFlag, BuilderFlag, MemoryPoolType, HardwareCompatibilityLevel,
                 IProgressMonitor, OnnxParser, _builder(calls, build_ok)):  # fmt: skip
        setattr(trt, item.__name__, item)
    return trt


def _builder(calls: list[tuple], build_ok: bool) -> type:
    """The fake ``Builder`` and its config, recording into ``calls``."""

    class Profile:
        def set_shape(self, name, low, opt, high):
            calls.append(("set_shape", name, tuple(low), tuple(opt), tuple(high)))

    class Config:
        def __init__(self):
            self.flags = set()
            self.cache = None

        def set_memory_pool_limit(self, pool, size):
            calls.append(("set_memory_pool_limit", pool, size))

        def set_flag(self, flag):
            self.flags.add(flag)

        def clear_flag(self, flag):
            calls.append(("clear_flag", flag))

        def add_optimization_profile(self, profile):
            calls.append(("add_optimization_profile",))

        def create_timing_cache(self, data):
            return _TimingCache(data)

        def set_timing_cache(self, cache, ignore_mismatch):
            self.cache = cache

        def get_timing_cache(self):
            return self.cache

        def __setattr__(self, name, value):
            if name in ("builder_optimization_level", "hardware_compatibility_level", "progress_monitor"):
                calls.append(("config." + name, value))
            object.__setattr__(self, name, value)

    class Builder:
        def __init__(self, logger):
            pass

        def create_network(self, flags):
            calls.append(("create_network", flags))
            return object()

        def create_builder_config(self):
            self.config = Config()
            return self.config

        def create_optimization_profile(self):
            return Profile()

        def build_serialized_network(self, network, config):
            calls.append(("build", sorted(f.name for f in config.flags)))
            return b"PLAN-BYTES" if build_ok else None

    return Builder
