"""INT8 calibration choices (range method x per-channel weights x bias correction, then --keep-fp auto) compared
on held-out photos against FP32: image parity, the task score, the fast-path gate.

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.studies.int8_calibration``.
"""

from ugatit_deploy.benchmarks.studies.int8_calibration import main

if __name__ == "__main__":
    main()
