"""Writing files: a folder that cannot take the result is refused before any work, in one line."""

from __future__ import annotations

import pytest

from ugatit_deploy.core.errors import UgatitDeployError
from ugatit_deploy.core.fileio import check_writable


def test_a_writable_target_creates_its_folder_and_leaves_nothing_in_it(tmp_path):
    check_writable(tmp_path / "new" / "model.onnx")
    assert list((tmp_path / "new").iterdir()) == []


def test_a_target_whose_folder_cannot_be_made_is_one_line_naming_it():
    with pytest.raises(UgatitDeployError, match=r"^cannot write /proc/nope/x\.onnx: No such file or directory$"):
        check_writable("/proc/nope/x.onnx")


def test_a_target_under_a_file_is_one_line_naming_it(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(UgatitDeployError, match=r"^cannot write .*/file/x\.onnx: (Not a directory|File exists)$"):
        check_writable(tmp_path / "file" / "x.onnx")
