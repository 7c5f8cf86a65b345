"""The U-GAT-IT training loop: the official recipe, with resume, progress, safe sampling and DDP."""

from __future__ import annotations

import csv
import itertools
import os
import signal
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import torch
from tqdm import tqdm

from ..core.errors import UgatitDeployError
from ..model import RhoClipper
from . import losses
from .checkpoints import latest_params, load_for_resume, model_dir, save_checkpoint
from .config import TrainConfig, build_networks
from .data import SampleStream, load_dataset
from .distributed import World, init_world, shutdown, wrap
from .samples import fixed_samples, translation_grid, write_png
from .schedule import learning_rate

LOSS_COLUMNS = ("step", "lr", "d_loss", "g_loss", "g_adv", "g_cycle", "g_identity", "g_cam")


class TrainingInterrupted(UgatitDeployError):
    """Ctrl-C (SIGINT) or SIGTERM stopped the run; a checkpoint of the last finished step was saved."""


class StopRequest:
    """First SIGINT/SIGTERM: finish the current step, save, stop. Second SIGINT: abort at once."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, _frame: object) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
        tqdm.write("stop requested: finishing this step and saving a checkpoint (Ctrl-C again to abort)")

    def __enter__(self) -> StopRequest:
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[signum] = signal.signal(signum, self._handle)
            except ValueError:  # not the main thread: leave signals alone
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


class Trainer:
    """Trains genA2B/genB2A and the four discriminators on ``config.dataset``.

    ``Trainer(config).run()`` trains until ``config.iterations``; with ``config.resume`` it continues the
    latest checkpoint of ``config.result_dir/config.name`` exactly where it stopped.
    """

    def __init__(self, config: TrainConfig, progress: bool = True, log: Callable[[str], None] = tqdm.write) -> None:
        self.config = config
        self.progress = progress
        self.log = log
        if config.device == "cuda" and not torch.cuda.is_available():
            raise UgatitDeployError("--device cuda: no CUDA device is available here (use --device cpu)")
        self.world: World = init_world(config.device)
        self.device = torch.device(f"cuda:{self.world.local_rank}" if config.device == "cuda" else "cpu")
        data = load_dataset(Path(config.dataset), config.img_size)
        self._check_result_dir()
        for domain in data.values():
            if (note := domain.report()) and self.world.is_main:
                self.log(f"warning: {note}")
        torch.manual_seed(config.seed)
        self.nets = {name: net.to(self.device) for name, net in build_networks(config).items()}
        self.models = {name: wrap(net, self.world, self.device) for name, net in self.nets.items()}
        adam = {"lr": config.lr, "betas": (0.5, 0.999), "weight_decay": config.weight_decay}
        self.optimizers = {
            "G": torch.optim.Adam(
                itertools.chain(self.nets["genA2B"].parameters(), self.nets["genB2A"].parameters()), **adam
            ),
            "D": torch.optim.Adam(
                itertools.chain(*(self.nets[n].parameters() for n in ("disGA", "disGB", "disLA", "disLB"))),
                **adam,
            ),
        }
        self.rho_clipper = RhoClipper(0, 1)
        self.streams = {
            "A": SampleStream(data["trainA"], config.img_size, config.seed, domain_id=0),
            "B": SampleStream(data["trainB"], config.img_size, config.seed, domain_id=1),
        }
        n = config.sample_count
        self.sample_images = {
            direction: torch.cat(
                [
                    fixed_samples(data[f"train{src}"], n, config.img_size),
                    fixed_samples(data[f"test{src}"], n, config.img_size),
                ]
            )
            for direction, src in (("A2B", "A"), ("B2A", "B"))
        }
        self.step = 0
        self.last_saved = 0
        if config.resume:
            self.step, note = load_for_resume(config, self.nets, self.optimizers)
            self.last_saved = self.step
            for stream in self.streams.values():
                stream.position = self.step * config.batch_size * self.world.world_size
            self.log(note)
        elif latest_params(config) is not None:
            raise UgatitDeployError(
                f"{model_dir(config)} already holds checkpoints of a run named {config.name!r}: "
                "pass --resume to continue it, or choose another --name / --result-dir"
            )

    def _check_result_dir(self) -> None:
        run_dir = self.config.run_dir
        try:
            for sub in ("model", "img"):
                (run_dir / sub).mkdir(parents=True, exist_ok=True)
            probe = run_dir / f".write-test-{os.getpid()}"  # one per process: DDP ranks probe at once
            probe.write_bytes(b"")
            probe.unlink(missing_ok=True)
        except OSError as exc:
            raise UgatitDeployError(f"cannot write to result dir {run_dir}: {exc.strerror or exc}") from None

    def _autocast(self):
        if not self.config.amp:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def train_step(self) -> dict[str, float]:
        """One official iteration: a discriminator update, then a generator update, then rho clipping."""
        c, m = self.config, self.models
        step = self.step + 1
        lr = learning_rate(step, c.lr, c.iterations, c.decay)
        for optimizer in self.optimizers.values():
            for group in optimizer.param_groups:
                group["lr"] = lr
        rank, world = self.world.rank, self.world.world_size
        real_a = self.streams["A"].next_batch(c.batch_size, rank, world).to(self.device)
        real_b = self.streams["B"].next_batch(c.batch_size, rank, world).to(self.device)

        # Discriminators. The fakes need no graph: D's gradients do not flow into the generators.
        self.optimizers["D"].zero_grad(set_to_none=True)
        with self._autocast():
            with torch.no_grad():
                fake_a2b = m["genA2B"](real_a)[0]
                fake_b2a = m["genB2A"](real_b)[0]
            d_loss = c.adv_weight * (
                losses.discriminator_loss(m["disGA"](real_a), m["disGA"](fake_b2a))
                + losses.discriminator_loss(m["disLA"](real_a), m["disLA"](fake_b2a))
                + losses.discriminator_loss(m["disGB"](real_b), m["disGB"](fake_a2b))
                + losses.discriminator_loss(m["disLB"](real_b), m["disLB"](fake_a2b))
            )
        d_loss.backward()
        self.optimizers["D"].step()

        # Generators.
        self.optimizers["G"].zero_grad(set_to_none=True)
        with self._autocast():
            fake_a2b, fake_a2b_cam, _ = m["genA2B"](real_a)
            fake_b2a, fake_b2a_cam, _ = m["genB2A"](real_b)
            fake_a2b2a = m["genB2A"](fake_a2b)[0]
            fake_b2a2b = m["genA2B"](fake_b2a)[0]
            fake_a2a, fake_a2a_cam, _ = m["genB2A"](real_a)
            fake_b2b, fake_b2b_cam, _ = m["genA2B"](real_b)
            adv = (
                losses.generator_adversarial_loss(m["disGA"](fake_b2a))
                + losses.generator_adversarial_loss(m["disLA"](fake_b2a))
                + losses.generator_adversarial_loss(m["disGB"](fake_a2b))
                + losses.generator_adversarial_loss(m["disLB"](fake_a2b))
            )
            cycle = losses.l1(fake_a2b2a.float(), real_a) + losses.l1(fake_b2a2b.float(), real_b)
            identity = losses.l1(fake_a2a.float(), real_a) + losses.l1(fake_b2b.float(), real_b)
            cam = losses.generator_cam_loss(fake_b2a_cam, fake_a2a_cam) + losses.generator_cam_loss(
                fake_a2b_cam, fake_b2b_cam
            )
            g_loss = c.adv_weight * adv + c.cycle_weight * cycle + c.identity_weight * identity + c.cam_weight * cam
        g_loss.backward()
        self.optimizers["G"].step()
        self.nets["genA2B"].apply(self.rho_clipper)
        self.nets["genB2A"].apply(self.rho_clipper)

        self.step = step
        return {
            "step": step,
            "lr": lr,
            "d_loss": d_loss.item(),
            "g_loss": g_loss.item(),
            "g_adv": adv.item(),
            "g_cycle": cycle.item(),
            "g_identity": identity.item(),
            "g_cam": cam.item(),
        }

    def save(self) -> Path | None:
        """Checkpoint the current step (main process only)."""
        self.last_saved = self.step
        if not self.world.is_main:
            return None
        return save_checkpoint(self.config, self.step, self.nets, self.optimizers)

    def write_samples(self) -> None:
        if not self.world.is_main:
            return
        for direction, forward, backward in (("A2B", "genA2B", "genB2A"), ("B2A", "genB2A", "genA2B")):
            grid = translation_grid(self.nets[forward], self.nets[backward], self.sample_images[direction])
            write_png(grid, self.config.run_dir / "img" / f"{direction}_{self.step:07d}.png")

    def _loss_log(self) -> Path:
        path = self.config.run_dir / "losses.csv"
        if self.world.is_main:
            rows = []
            if path.exists() and self.step > 0:  # keep the history up to the resumed step only
                with open(path, newline="") as handle:
                    rows = [r for r in csv.DictReader(handle) if int(r["step"]) <= self.step]
            with open(path, "w", newline="") as handle:
                writer = csv.DictWriter(handle, LOSS_COLUMNS)
                writer.writeheader()
                writer.writerows(rows)
        return path

    def run(self, on_step: Callable[[Trainer, dict[str, float]], None] | None = None) -> list[dict[str, float]]:
        """Train to ``config.iterations``; return this call's per-step losses.

        Raises TrainingInterrupted after saving when stopped by Ctrl-C or SIGTERM.
        """
        c = self.config
        history: list[dict[str, float]] = []
        log_path = self._loss_log()
        bar = tqdm(
            total=c.iterations,
            initial=self.step,
            disable=not (self.progress and self.world.is_main),
            unit="it",
            dynamic_ncols=True,
            desc=c.name,
        )
        started = time.perf_counter()
        try:
            with StopRequest() as stop, open(log_path, "a", newline="") as log_file:
                writer = csv.DictWriter(log_file, LOSS_COLUMNS)
                while self.step < c.iterations:
                    record = self.train_step()
                    history.append(record)
                    if self.world.is_main:
                        writer.writerow(record)
                    bar.update(1)
                    bar.set_postfix(d_loss=f"{record['d_loss']:.4f}", g_loss=f"{record['g_loss']:.4f}", refresh=False)
                    if self.step % c.print_freq == 0 or self.step == c.iterations:
                        self.write_samples()
                        rate = len(history) / (time.perf_counter() - started)
                        self.log(
                            f"[{self.step:7d}/{c.iterations}] d_loss {record['d_loss']:.6f} "
                            f"g_loss {record['g_loss']:.6f} lr {record['lr']:.3g} ({rate:.2f} it/s)"
                        )
                    if self.step % c.save_freq == 0 or self.step == c.iterations:
                        log_file.flush()
                        self.save()
                    if on_step is not None:
                        on_step(self, record)
                    if stop.requested:
                        log_file.flush()
                        path = self.save() if self.last_saved != self.step else None
                        where = path or model_dir(c)
                        raise TrainingInterrupted(
                            f"interrupted at step {self.step}: checkpoint saved in {where}; "
                            "continue with the same command plus --resume"
                        )
        finally:
            bar.close()
        return history

    def close(self) -> None:
        shutdown(self.world)
