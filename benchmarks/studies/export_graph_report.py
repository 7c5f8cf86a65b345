"""Node counts and op histograms of the exported generator: naive export vs the AdaILN pattern.

    python benchmarks/studies/export_graph_report.py [--ngf 64] [--n-blocks 4] [--size 256] [--out report.json]

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.studies.export_graph_report``.
"""

from ugatit_deploy.benchmarks.studies.export_graph_report import main

if __name__ == "__main__":
    main()
