"""Node counts and op histograms of the exported generator: naive export vs the AdaILN pattern.

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.export_graph_report``.
"""

from ugatit_deploy.benchmarks.export_graph_report import main

if __name__ == "__main__":
    main()
