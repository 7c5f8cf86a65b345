"""Train U-GAT-IT with the official recipe: ``python training/train.py --dataset data/shapes --light ...``

The same as ``ugatit-deploy train`` (see ``--help``); the trainer lives in ``ugatit_deploy.training``.
"""

from ugatit_deploy.cli import run_script

if __name__ == "__main__":
    run_script("train")
