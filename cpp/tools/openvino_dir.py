"""Print the CMake folder of the pip-installed OpenVINO (its wheel ships the C++ headers, libraries and
OpenVINOConfig.cmake), for ``cmake -S cpp -B build/cpp -DOpenVINO_DIR=$(python cpp/tools/openvino_dir.py)``.
CMake runs it by itself when OpenVINO_DIR is not given. Exit 1 with one line when OpenVINO is not installed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def openvino_cmake_dir() -> Path | None:
    spec = importlib.util.find_spec("openvino")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "cmake"
    return folder if (folder / "OpenVINOConfig.cmake").is_file() else None


if __name__ == "__main__":
    found = openvino_cmake_dir()
    if found is None:
        print("OpenVINO is not installed for this Python: pip install 'ugatit-deploy[openvino]'", file=sys.stderr)
        sys.exit(1)
    print(found)
