"""Where things are, for tests anywhere in the tree."""

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
TF_DATA = TESTS / "data" / "tf"  # checkpoints and outputs TensorFlow itself wrote (tests/data/tf/README.md)
RESULTS = REPO / "benchmarks" / "results"
