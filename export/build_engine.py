"""Build a TensorRT engine from an exported ONNX file: ``python export/build_engine.py --onnx m_fp16.onnx``

The same as ``ugatit-deploy build`` (see ``--help``; ``--dry-run`` prints the trtexec line without TensorRT).
"""

from ugatit_deploy.cli import run_script

if __name__ == "__main__":
    run_script("build")
