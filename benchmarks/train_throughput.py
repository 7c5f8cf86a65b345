"""Training throughput (iterations/s) of the official step, on CPU and (when present) CUDA.

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.train_throughput``.
"""

from ugatit_deploy.benchmarks.train_throughput import main

if __name__ == "__main__":
    main()
