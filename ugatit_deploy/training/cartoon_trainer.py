"""Supervised training of the built-in model: the official generator learns ``cartoonize`` from photo pairs.

Not the official recipe (no discriminators, no cycle): one generator, a paired L1 loss against the cartoon
of each photo, and the official CAM loss with photos and cartoons as the two domains (the generator's CAM
calls a photo 1, "to translate", and a cartoon 0), so that its attention map and ``cam_logit`` are trained.
Random crops keep the steps cheap on a CPU; the last steps train on whole images (``full_from``), the size
the model runs at. Exact resume: ``<run>/state.pt`` holds the weights, Adam's moments and the step, and the
batches are a pure function of ``(seed, step)``.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ..checkpoint import read_checkpoint_file, save_generator
from ..core.errors import UgatitDeployError
from ..core.fileio import atomic_torch_save
from ..core.imaging import tensor_to_uint8
from ..core.reference_images import PHOTO_TASK
from ..model import GeneratorConfig, RhoClipper
from . import losses
from .photo_pairs import PhotoPairs, split_files, to_model_input
from .samples import write_png
from .task_score import TaskScore, task_score
from .trainer import StopRequest, TrainingInterrupted

STATE_FORMAT = "ugatit-deploy/cartoon-train-state"
LOSS_COLUMNS = ("step", "lr", "loss", "l1", "cam", "seconds")
SCORE_COLUMNS = ("step", "psnr_db", "ssim", "input_psnr_db", "input_ssim", "images")


@dataclass(frozen=True)
class CartoonConfig:
    """Every option of a cartoon training run (``training/train_cartoon.py --help`` explains them)."""

    photos: tuple[Path, ...]
    out: Path
    ngf: int = 16
    n_res: int = 4
    img_size: int = 256
    crop: int = 128
    full_from: int | None = None  # first step on whole images; None: the last 20 % of the steps
    iterations: int = 7000
    batch_size: int = 8
    lr: float = 5e-4
    l1_weight: float = 10.0  # the official cycle / identity L1 weight
    # The official CAM weight is 1000; here it held the task back (600-step pilot, ngf 8: 15.33 dB with 1000,
    # 15.80 dB with 10), and 10 still trains the CAM to tell photos from cartoons.
    cam_weight: float = 10.0
    holdout_every: int = 20
    eval_images: int = 48
    eval_freq: int = 500
    save_freq: int = 500
    seed: int = 0
    bf16: bool = False
    threads: int | None = None
    name: str = "cartoon"

    def __post_init__(self) -> None:
        if self.crop > self.img_size or self.crop % 4 or self.img_size % 4:
            raise UgatitDeployError(f"--crop ({self.crop}) and --img-size ({self.img_size}) must be multiples "
                                    "of 4, crop <= img-size")  # fmt: skip
        if min(self.ngf, self.iterations, self.batch_size, self.eval_freq, self.save_freq) < 1:
            raise UgatitDeployError("--ngf, --iterations, --batch-size, --eval-freq and --save-freq must be >= 1")

    @property
    def first_full_step(self) -> int:
        return self.full_from if self.full_from is not None else int(self.iterations * 0.8) + 1

    @property
    def generator(self) -> GeneratorConfig:
        return GeneratorConfig(ngf=self.ngf, n_blocks=self.n_res, img_size=self.img_size, light=True)

    def record(self) -> dict:
        return {k: [str(p) for p in v] if k == "photos" else str(v) if isinstance(v, Path) else v
                for k, v in asdict(self).items()}  # fmt: skip


def cam_logits(generator: torch.nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The generator's CAM logits alone (encoder, then the two pooled classifiers): B x 2, gap then gmp."""
    features = generator.DownBlock(images)
    gap = generator.gap_fc(features.mean(dim=(2, 3)))
    gmp = generator.gmp_fc(features.amax(dim=(2, 3)))
    return torch.cat([gap, gmp], dim=1)


def sample_grid(photos: np.ndarray, cartoons: np.ndarray, outputs: np.ndarray, columns: int = 6) -> np.ndarray:
    """Rows photo | cartoonize(photo) | the model's output, for ``columns`` photos spread over the held-out set."""
    picks = np.linspace(0, len(photos) - 1, min(columns, len(photos))).round().astype(int)
    return np.concatenate([np.concatenate([photos[i], cartoons[i], outputs[i]], 0) for i in picks], 1)


def learning_rate(config: CartoonConfig, step: int) -> float:
    """Constant, then linear decay to zero over the second half (the official schedule's shape)."""
    half = config.iterations // 2
    return config.lr if step <= half else config.lr * (config.iterations - step + 1) / (config.iterations - half)


class CartoonTrainer:
    """``CartoonTrainer(config).run()`` trains to ``config.iterations``, resuming ``config.out`` if it holds a run."""

    def __init__(self, config: CartoonConfig, progress: bool = True, log: Callable[[str], None] = tqdm.write,
                 pairs: tuple[PhotoPairs, PhotoPairs] | None = None) -> None:  # fmt: skip
        self.config, self.progress, self.log = config, progress, log
        if config.threads:
            torch.set_num_threads(config.threads)
        if pairs is None:
            train_files, held_files = split_files(config.photos, config.holdout_every)
            config.out.mkdir(parents=True, exist_ok=True)
            (config.out / "holdout.txt").write_text("".join(f"{path}\n" for path in held_files))
            held_files = held_files[:: max(1, len(held_files) // config.eval_images)][: config.eval_images]
            pairs = (PhotoPairs.prepare(train_files, config.img_size, progress, "training pairs"),
                     PhotoPairs.prepare(held_files, config.img_size, progress, "held-out pairs"))  # fmt: skip
        config.out.mkdir(parents=True, exist_ok=True)
        self.train, self.held = pairs
        torch.manual_seed(config.seed)
        self.generator = config.generator.build()
        self.optimizer = torch.optim.Adam(self.generator.parameters(), lr=config.lr, betas=(0.5, 0.999))
        self.clipper = RhoClipper(0, 1)
        self.step = 0
        self.last_score: TaskScore | None = None
        if self.state_path.exists():
            self._resume()

    @property
    def state_path(self) -> Path:
        return self.config.out / "state.pt"

    @property
    def model_path(self) -> Path:
        return self.config.out / f"{self.config.name}_a2b.pt"

    def _resume(self) -> None:
        state = read_checkpoint_file(self.state_path)
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise UgatitDeployError(f"{self.state_path} is not a cartoon training state")
        if state["architecture"] != self.config.generator.to_dict():
            raise UgatitDeployError(f"cannot resume {self.state_path}: it trains {state['architecture']}, "
                                    f"this run asks for {self.config.generator.to_dict()}")  # fmt: skip
        self.generator.load_state_dict(state["generator"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step = int(state["step"])
        self.log(f"resumed {self.config.out} at step {self.step}")

    def _autocast(self):
        return torch.autocast("cpu", dtype=torch.bfloat16) if self.config.bf16 else nullcontext()

    def train_step(self) -> dict[str, float]:
        c, step = self.config, self.step + 1
        lr = learning_rate(c, step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        crop = c.img_size if step >= c.first_full_step else c.crop
        photos, cartoons = self.train.batch(c.seed, step, c.batch_size, crop)
        started = time.perf_counter()
        self.optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            output, photo_cam, _ = self.generator(photos)
            cartoon_cam = cam_logits(self.generator, cartoons)
            l1 = F.l1_loss(output.float(), cartoons)
            cam = losses.generator_cam_loss(photo_cam.float(), cartoon_cam.float())
            loss = c.l1_weight * l1 + c.cam_weight * cam
        loss.backward()
        self.optimizer.step()
        self.generator.apply(self.clipper)
        self.step = step
        return {"step": step, "lr": lr, "loss": loss.item(), "l1": l1.item(), "cam": cam.item(),
                "seconds": time.perf_counter() - started}  # fmt: skip

    @torch.no_grad()
    def evaluate(self) -> tuple[TaskScore, np.ndarray]:
        """The task score on the held-out photos (whole images), and their outputs as uint8."""
        self.generator.eval()
        try:
            outputs = np.concatenate([tensor_to_uint8(self.generator(to_model_input(self.held.photos[i : i + 8]))[0])
                                      for i in range(0, len(self.held), 8)])  # fmt: skip
        finally:
            self.generator.train()
        return task_score(self.held.photos, outputs, self.held.cartoons), outputs

    def save(self) -> None:
        c = self.config
        provenance = {"trained_steps": self.step, "task": f"{PHOTO_TASK} (ugatit_deploy.training.cartoonize)",
                      "run": c.name}  # fmt: skip
        save_generator(self.generator, self.model_path, "a2b", provenance)
        atomic_torch_save({"format": STATE_FORMAT, "step": self.step, "architecture": c.generator.to_dict(),
                           "options": c.record(), "generator": self.generator.state_dict(),
                           "optimizer": self.optimizer.state_dict()}, self.state_path)  # fmt: skip

    def _write_eval(self, writer: csv.DictWriter) -> TaskScore:
        score, outputs = self.evaluate()
        writer.writerow({"step": self.step, **score.to_dict()})
        write_png(sample_grid(self.held.photos, self.held.cartoons, outputs), self.config.out / "samples.png")
        self.log(f"[{self.step}] held-out task PSNR {score.psnr_db:.2f} dB (input {score.input_psnr_db:.2f} dB), "
                 f"SSIM {score.ssim:.3f} (input {score.input_ssim:.3f})")  # fmt: skip
        return score

    def _csv(self, name: str, columns: tuple[str, ...]) -> csv.DictWriter:
        path = self.config.out / name
        rows = []
        if path.exists():  # keep the history up to the resumed step only
            with open(path, newline="") as handle:
                rows = [r for r in csv.DictReader(handle) if int(r["step"]) <= self.step]
        handle = open(path, "w", newline="")  # noqa: SIM115 (closed by run)
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
        self._handles.append(handle)
        return writer

    def run(self) -> TaskScore | None:
        """Train to ``config.iterations``; return the last held-out score (None when nothing was left to do)."""
        c = self.config
        self._handles: list = []
        loss_log, score_log = self._csv("losses.csv", LOSS_COLUMNS), self._csv("scores.csv", SCORE_COLUMNS)
        bar = tqdm(total=c.iterations, initial=self.step, disable=not self.progress, unit="it", desc=c.name,
                   dynamic_ncols=True)  # fmt: skip
        try:
            with StopRequest() as stop:
                self._loop(bar, loss_log, score_log, stop)
        finally:
            bar.close()
            for handle in self._handles:
                handle.close()
        return self.last_score

    def _loop(self, bar: tqdm, loss_log: csv.DictWriter, score_log: csv.DictWriter, stop: StopRequest) -> None:
        c = self.config
        while self.step < c.iterations:
            record = self.train_step()
            loss_log.writerow(record)
            bar.update(1)
            bar.set_postfix(l1=f"{record['l1']:.4f}", cam=f"{record['cam']:.4f}", refresh=False)
            if self.step % c.eval_freq == 0 or self.step == c.iterations:
                self.last_score = self._write_eval(score_log)
            if self.step % c.save_freq == 0 or self.step == c.iterations or stop.requested:
                for handle in self._handles:
                    handle.flush()
                self.save()
            if stop.requested:
                raise TrainingInterrupted(f"interrupted at step {self.step}: saved {self.state_path}; "
                                          "run the same command again to continue")  # fmt: skip
