"""Train the built-in model: ``python training/train_cartoon.py --photos DIR --out runs/cartoon ...``

The same as ``ugatit-deploy train-cartoon`` (see ``--help``): the official light generator learns the
``cartoonize`` filter from real photos (supervised), beside ``train.py``'s official GAN recipe.
"""

from ugatit_deploy.cli import run_script

if __name__ == "__main__":
    run_script("train-cartoon")
