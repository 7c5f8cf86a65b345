"""A generator file with the official architecture and seeded random weights, for timing at real sizes.

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.official_checkpoint``.
"""

from ugatit_deploy.benchmarks.official_checkpoint import main

if __name__ == "__main__":
    main()
