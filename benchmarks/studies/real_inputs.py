"""Speed on real inputs with the built-in model: faces/s through `infer --faces`, frames/s through a video.

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.studies.real_inputs``.
"""

from ugatit_deploy.benchmarks.studies.real_inputs import main

if __name__ == "__main__":
    main()
