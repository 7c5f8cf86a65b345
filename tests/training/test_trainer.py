"""Training: official checkpoint format, exact resume, clean interruption, sample grids, schedule."""

from __future__ import annotations

import math
import os
import signal

import numpy as np
import pytest
import torch
from PIL import Image
from support.training_helpers import make_dataset, tiny_config

from ugatit_deploy import inspect_checkpoint, load_generator
from ugatit_deploy.checkpoint import read_checkpoint_file
from ugatit_deploy.training import Trainer, TrainingInterrupted, build_networks, discriminator_layers
from ugatit_deploy.training.schedule import learning_rate


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("data") / "shapes")


@pytest.mark.slow
def test_two_step_run_writes_the_official_six_network_checkpoint(dataset, tmp_path):
    config = tiny_config(dataset, tmp_path)
    Trainer(config, progress=False, log=lambda _: None).run()

    path = tmp_path / "tiny" / "model" / "tiny_params_0000002.pt"
    params = read_checkpoint_file(path)
    assert list(params) == ["genA2B", "genB2A", "disGA", "disGB", "disLA", "disLB"]
    expected = {name: net.state_dict() for name, net in build_networks(config).items()}
    for name, state_dict in params.items():
        assert list(state_dict) == list(expected[name]), name
        assert all(state_dict[k].shape == expected[name][k].shape for k in state_dict), name

    generator = load_generator(path, "b2a")
    assert (generator.ngf, generator.n_blocks, generator.light) == (4, 1, True)
    export = inspect_checkpoint(tmp_path / "tiny" / "model" / "tiny_a2b.pt")
    assert export.metadata["trained_steps"] == 2 and export.generators["a2b"].img_size == 64


@pytest.mark.slow
def test_losses_are_logged_per_step(dataset, tmp_path):
    Trainer(tiny_config(dataset, tmp_path, iterations=3), progress=False, log=lambda _: None).run()
    lines = (tmp_path / "tiny" / "losses.csv").read_text().splitlines()
    assert lines[0] == "step,lr,d_loss,g_loss,g_adv,g_cycle,g_identity,g_cam"
    assert [line.split(",")[0] for line in lines[1:]] == ["1", "2", "3"]


def _run(config, on_step=None):
    trainer = Trainer(config, progress=False, log=lambda _: None)
    return trainer, trainer.run(on_step)


@pytest.mark.slow
def test_resume_continues_the_same_loss_curve_exactly(dataset, tmp_path):
    _, full = _run(tiny_config(dataset, tmp_path / "full", iterations=4, batch_size=2))

    first = []

    def crash_after_step_2(trainer, record):
        first.append(record)
        if record["step"] == 2:
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        _run(
            tiny_config(dataset, tmp_path / "split", iterations=4, batch_size=2, save_freq=2),
            crash_after_step_2,
        )
    resumed, second = _run(tiny_config(dataset, tmp_path / "split", iterations=4, batch_size=2, resume=True))

    assert [r["step"] for r in first + second] == [1, 2, 3, 4]
    assert first + second == full  # every loss bit-identical, LR included
    uninterrupted = read_checkpoint_file(tmp_path / "full" / "tiny" / "model" / "tiny_params_0000004.pt")
    for name, net in resumed.nets.items():
        for key, value in net.state_dict().items():
            assert torch.equal(value, uninterrupted[name][key]), f"{name}.{key}"


@pytest.mark.slow
def test_ctrl_c_finishes_the_step_saves_and_resume_matches(dataset, tmp_path):
    def press_ctrl_c(trainer, record):
        if record["step"] == 2:
            os.kill(os.getpid(), signal.SIGINT)

    before = signal.getsignal(signal.SIGINT)  # default_int_handler, or SIG_IGN under nohup / in background
    trainer = Trainer(tiny_config(dataset, tmp_path, iterations=4), progress=False, log=lambda _: None)
    with pytest.raises(TrainingInterrupted, match="interrupted at step 2: checkpoint saved"):
        trainer.run(press_ctrl_c)
    model_dir = tmp_path / "tiny" / "model"
    assert sorted(p.name for p in model_dir.iterdir()) == [
        "tiny_a2b.pt", "tiny_b2a.pt", "tiny_params_0000002.pt", "tiny_resume.pt",
    ]  # fmt: skip
    assert signal.getsignal(signal.SIGINT) is before  # handlers restored

    _, rest = _run(tiny_config(dataset, tmp_path, iterations=4, resume=True))
    _, full = _run(tiny_config(dataset, tmp_path / "ref", iterations=4))
    assert rest == full[2:]


@pytest.mark.slow
def test_resume_with_another_architecture_is_refused(dataset, tmp_path):
    _run(tiny_config(dataset, tmp_path))
    with pytest.raises(Exception, match="cannot resume tiny: its checkpoint has architecture"):
        Trainer(tiny_config(dataset, tmp_path, ch=8, resume=True), progress=False)


def test_resume_without_a_checkpoint_is_refused(dataset, tmp_path):
    with pytest.raises(Exception, match="nothing to resume: no tiny_params_"):
        Trainer(tiny_config(dataset, tmp_path, resume=True), progress=False)


@pytest.mark.slow
def test_a_second_run_with_the_same_name_must_resume(dataset, tmp_path):
    _run(tiny_config(dataset, tmp_path))
    with pytest.raises(Exception, match="already holds checkpoints .* pass --resume"):
        Trainer(tiny_config(dataset, tmp_path), progress=False)


@pytest.mark.slow
def test_resume_from_official_weights_only_starts_fresh_optimizers(dataset, tmp_path):
    _run(tiny_config(dataset, tmp_path))
    (tmp_path / "tiny" / "model" / "tiny_resume.pt").unlink()  # as if trained by the official code
    notes = []
    trainer = Trainer(tiny_config(dataset, tmp_path, iterations=3, resume=True), progress=False, log=notes.append)
    assert trainer.step == 2
    assert "no optimizer state found" in notes[0]
    assert [r["step"] for r in trainer.run()] == [3]


@pytest.mark.slow
def test_sample_grids_are_written_at_print_freq(dataset, tmp_path):
    _run(tiny_config(dataset, tmp_path, iterations=2, print_freq=1))
    images = sorted(p.name for p in (tmp_path / "tiny" / "img").iterdir())
    assert images == ["A2B_0000001.png", "A2B_0000002.png", "B2A_0000001.png", "B2A_0000002.png"]
    grid = Image.open(tmp_path / "tiny" / "img" / "A2B_0000002.png")
    assert grid.size == (4 * 64, 4 * 64)  # 2 train + 2 test columns; input, heatmap, translation, cycle rows
    assert grid.mode == "RGB"


@pytest.mark.slow
def test_bf16_autocast_step_runs_and_keeps_weights_float32(dataset, tmp_path):
    trainer, history = _run(tiny_config(dataset, tmp_path, amp=True))
    assert all(math.isfinite(r["g_loss"]) and math.isfinite(r["d_loss"]) for r in history)
    assert {p.dtype for p in trainer.nets["genA2B"].parameters()} == {torch.float32}


@pytest.mark.slow
def test_rho_stays_in_the_unit_interval_after_each_step(dataset, tmp_path):
    trainer, _ = _run(tiny_config(dataset, tmp_path, lr=0.5))  # a huge LR pushes rho out of [0, 1]
    rhos = torch.cat([p.detach().flatten() for n, p in trainer.nets["genA2B"].named_parameters() if n.endswith("rho")])
    assert float(rhos.min()) >= 0 and float(rhos.max()) <= 1


@pytest.mark.parametrize(
    ("step", "expected"),
    [(1, 1e-4), (50, 1e-4), (51, 1e-4 - 1e-4 / 50), (75, 0.5e-4), (100, 0.0)],
)
def test_learning_rate_is_constant_then_linear_to_zero(step, expected):
    assert learning_rate(step, 1e-4, 100, decay=True) == pytest.approx(expected, abs=1e-12)
    assert learning_rate(step, 1e-4, 100, decay=False) == 1e-4


@pytest.mark.parametrize(("size", "layers"), [(256, (7, 5)), (128, (7, 5)), (64, (6, 5)), (32, (5, 5)), (16, (4, 4))])
def test_discriminator_depth_adapts_below_128_px(size, layers):
    assert discriminator_layers(size) == layers


@pytest.mark.parametrize("size", [16, 32, 64, 128])
def test_every_discriminator_takes_its_image_size(size):
    from ugatit_deploy.model import Discriminator

    for n_layers in discriminator_layers(size):
        out, cam, _ = Discriminator(4, n_layers)(torch.zeros(1, 3, size, size))
        assert out.shape[-1] >= 1 and cam.shape == (1, 2)
        assert np.isfinite(out.detach().numpy()).all()


def test_dis_ch_widens_only_the_discriminators(dataset, tmp_path):
    config = tiny_config(dataset, tmp_path, ch=4, dis_ch=8)
    nets = build_networks(config)
    assert nets["genA2B"].ngf == 4
    assert nets["disLA"].state_dict()["model.1.weight_orig"].shape[0] == 8
    assert (
        build_networks(tiny_config(dataset, tmp_path, ch=4))["disLA"].state_dict()["model.1.weight_orig"].shape[0] == 4
    )
