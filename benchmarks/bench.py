"""Parity and latency of every backend: ``python benchmarks/bench.py --batch 1,8 --out bench/``

The same as ``ugatit-deploy bench`` (see ``--help``); the code lives in ``ugatit_deploy.benchmarks``.
"""

from ugatit_deploy.cli import run_script

if __name__ == "__main__":
    run_script("bench")
