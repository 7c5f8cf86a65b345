"""Training throughput (iterations/s) of the official step, on CPU and (when present) CUDA.

    python benchmarks/studies/train_throughput.py [--configs tiny,demo,default] [--devices cpu,cuda] [--out out.json]

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.studies.train_throughput``.
"""

from ugatit_deploy.benchmarks.studies.train_throughput import main

if __name__ == "__main__":
    main()
