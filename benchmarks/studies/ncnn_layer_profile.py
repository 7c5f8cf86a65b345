"""Where an ncnn model spends its time: each Convolution's share, timed from outside.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/studies/ncnn_layer_profile.py --out profile.json MODEL.ncnn.param

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.studies.ncnn_layer_profile``.
"""

from ugatit_deploy.benchmarks.studies.ncnn_layer_profile import main

if __name__ == "__main__":
    main()
