"""Export a checkpoint to validated ONNX files: ``python export/export.py --ckpt run.pt --precision all``

The same as ``ugatit-deploy export`` (see ``--help``); the code lives in ``ugatit_deploy.export``.
"""

from ugatit_deploy.cli import run_script

if __name__ == "__main__":
    run_script("export")
