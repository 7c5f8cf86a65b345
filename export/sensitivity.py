"""Rank the convolutions by the image quality INT8 costs them: ``python export/sensitivity.py --ckpt run.pt``

The same as ``ugatit-deploy sensitivity`` (see ``--help``).
"""

from ugatit_deploy.cli import run_script

if __name__ == "__main__":
    run_script("sensitivity")
