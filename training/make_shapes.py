"""Write the synthetic circles -> squares dataset: ``python training/make_shapes.py --out data/shapes``

The same as ``ugatit-deploy data synth`` (see ``--help``); the images come from ``ugatit_deploy.core.shapes``.
"""

from ugatit_deploy.cli import run_script

if __name__ == "__main__":
    run_script("data synth")
