"""Node counts and op histograms of the exported generator: naive export vs the AdaILN pattern.

    python benchmarks/studies/export_graph_report.py [--ngf 64] [--n-blocks 4] [--size 256]
        [--out benchmarks/results/export_graph_report.json]

"naive" is torch.onnx's own export of the reference model (adaILN/ILN as ReduceMean/Sub/Mul/Sqrt/Div
chains); "function" and "inline" are `ugatit-deploy export --adailn function|inline`. All three are
FP32, dynamic batch, outputs=image, opset 18, light model (the histogram does not depend on weights).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import onnx
import torch
from torch.export import Dim

from ugatit_deploy.export.onnx_graph import GraphOptions, _quiet, export_graph
from ugatit_deploy.model import GeneratorConfig


def histogram(model: onnx.ModelProto) -> dict[str, int]:
    """Op type -> count in the main graph, most frequent first."""
    counts = Counter(n.op_type for n in model.graph.node)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def naive_export(generator: torch.nn.Module, size: int) -> onnx.ModelProto:
    """torch.onnx's own (dynamo) export of the generator's image output, with nothing of ours in between."""

    class ImageOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.generator = generator

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.generator(x)[0]

    with _quiet(), torch.no_grad():
        program = torch.onnx.export(
            ImageOnly().eval(), (torch.zeros(2, 3, size, size),), dynamo=True, opset_version=18,
            input_names=["input"], output_names=["output"], dynamic_shapes={"x": {0: Dim("batch", min=1, max=64)}},
        )  # fmt: skip
    return program.model_proto


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (``argv``; ``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ngf", type=int, default=64)
    parser.add_argument("--n-blocks", type=int, default=4)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/export_graph_report.json"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Export the three graphs of one seeded light generator and write their node counts and histograms."""
    args = parse_args(argv)
    torch.manual_seed(0)
    generator = GeneratorConfig(args.ngf, args.n_blocks, args.size, light=True).build().eval()
    graphs = {
        "naive": naive_export(generator, args.size),
        "function": export_graph(generator, GraphOptions(adailn="function")),
        "inline": export_graph(generator, GraphOptions(adailn="inline")),
    }
    report = {
        "config": {"ngf": args.ngf, "n_blocks": args.n_blocks, "img_size": args.size, "light": True},
        "graphs": {
            name: {
                "nodes": len(model.graph.node),
                "function_body_nodes": {f.name: len(f.node) for f in model.functions},
                "ops": histogram(model),
            }
            for name, model in graphs.items()
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    for name, record in report["graphs"].items():
        top = ", ".join(f"{op} {n}" for op, n in list(record["ops"].items())[:8])
        print(f"{name:>8}: {record['nodes']:4d} nodes  ({top})")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
