"""The face detector on real faces, and the framing of the model's training data (docs/faces.md).

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.studies.face_detection``.
"""

from ugatit_deploy.benchmarks.studies.face_detection import main

if __name__ == "__main__":
    main()
