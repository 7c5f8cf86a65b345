"""Make the TensorFlow 1 U-GAT-IT checkpoint fixtures in tests/data/tf with real TensorFlow (run once, not in CI).

The official graph code builds the graph: this script imports ``ops.py``, ``utils.py`` and ``UGATIT.py`` from a
checkout of https://github.com/taki0112/UGATIT (a folder given on the command line, nothing of it is copied here)
and calls the official ``UGATIT.build_model()`` in the train phase (both generators, both discriminators, the losses
and the two Adam optimizers), then the official ``UGATIT.save()``, so the checkpoint holds what a real release holds.

TensorFlow 2.21 runs TF1 code through ``tf.compat.v1`` plus a small shim, installed only while the official modules
are imported: ``tensorflow`` is ``tf.compat.v1`` for them, and the removed ``tf.contrib`` pieces are re-implemented
as TF 1.15 defined them (``layers.instance_norm``, ``layers.layer_norm``, ``layers.l2_regularizer``,
``layers.variance_scaling_initializer``, ``layers.xavier_initializer``, ``data.shuffle_and_repeat``,
``data.map_and_batch``, ``data.prefetch_to_device``); ``cv2`` (used only by the test-image helpers) is a stub.
``tf.layers`` comes from ``tf_keras`` (``TF_USE_LEGACY_KERAS=1``), the legacy-layers code TF1 shipped.

One deliberate difference from the release: the discriminators are built with ``n_dis=4`` while the folder name
keeps the release's ``6dis``. With ``n_dis=6`` a 64 px input is too small for the global discriminator's reflect
padding (it needs >= 128 px) and its Adam-tripled ``conv_last`` alone would weigh ~5 MB per checkpoint. The
discriminators are not what these fixtures test; the generators are built exactly as released.

After ``global_variables_initializer`` every generator variable is replaced with seeded random values (kernels,
biases, instance-norm gamma/beta, rho in (0, 1) with some entries near 0.05 so the smoothing clip matters, CAM and
MLP weights). Then the official ``UGATIT.generator`` is run (reuse=True) on three fixed 64 px inputs, with smoothing
on (the official default) and, for the light model, off too.

Usage (from the repository root)::

    python3 -m venv /tmp/tfvenv
    /tmp/tfvenv/bin/pip install tensorflow-cpu==2.21.0 tf_keras==2.21.0 numpy
    git --git-dir=<fetched UGATIT.git> archive HEAD | tar -x -C /tmp/ugatit_official
    TF_USE_LEGACY_KERAS=1 /tmp/tfvenv/bin/python tests/data/tf/make_tf_fixtures.py /tmp/ugatit_official
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import types
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as real_tf  # noqa: E402

tf = real_tf.compat.v1
HERE = Path(__file__).resolve().parent
DATASET = "tiny"
CH, N_RES, IMG = 4, 4, 64
N_DIS_NAME, N_DIS_BUILT = 6, 4
AUTHOR_ROOT = "/home/author/UGATIT/checkpoint"
STEP = 2  # one save per folder keeps the fixtures small; tests make older / newer prefixes by copying


# ---------------------------------------------------------------------------------------------------------------
# tf.contrib as TF 1.15 defined the pieces the official code uses
# ---------------------------------------------------------------------------------------------------------------


def _instance_norm(
    inputs,
    center=True,
    scale=True,
    epsilon=1e-6,
    activation_fn=None,
    param_initializers=None,
    reuse=None,
    variables_collections=None,
    outputs_collections=None,
    trainable=True,
    data_format="NHWC",
    scope=None,
):
    """tf.contrib.layers.instance_norm (NHWC): beta then gamma per channel, moments over H, W."""
    inputs = tf.convert_to_tensor(inputs)
    rank = inputs.shape.ndims
    with tf.variable_scope(scope, "InstanceNorm", [inputs], reuse=reuse):
        axis = rank - 1
        moments_axes = list(range(rank))
        del moments_axes[axis]
        del moments_axes[0]
        params_shape = inputs.shape[axis : axis + 1]
        param_initializers = param_initializers or {}

        def parameter(name, default):  # beta, then gamma: the creation order fixes the checkpoint's layout
            return tf.get_variable(
                name,
                shape=params_shape,
                dtype=inputs.dtype,
                trainable=trainable,
                initializer=param_initializers.get(name, default),
                collections=[tf.GraphKeys.GLOBAL_VARIABLES, tf.GraphKeys.MODEL_VARIABLES],
            )

        beta = parameter("beta", tf.zeros_initializer()) if center else None
        gamma = parameter("gamma", tf.ones_initializer()) if scale else None
        mean, variance = tf.nn.moments(inputs, moments_axes, keep_dims=True)
        outputs = tf.nn.batch_normalization(inputs, mean, variance, beta, gamma, epsilon, name="instancenorm")
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return outputs


def _layer_norm(
    inputs,
    center=True,
    scale=True,
    activation_fn=None,
    reuse=None,
    trainable=True,
    begin_norm_axis=1,
    begin_params_axis=-1,
    scope=None,
    **_unused,
):
    """tf.contrib.layers.layer_norm (not used by the generator; defined so ops.py imports complete)."""
    inputs = tf.convert_to_tensor(inputs)
    rank = inputs.shape.ndims
    with tf.variable_scope(scope, "LayerNorm", [inputs], reuse=reuse):
        params_shape = inputs.shape[begin_params_axis % rank :]
        beta = (
            tf.get_variable("beta", params_shape, initializer=tf.zeros_initializer(), trainable=trainable)
            if center
            else None
        )
        gamma = (
            tf.get_variable("gamma", params_shape, initializer=tf.ones_initializer(), trainable=trainable)
            if scale
            else None
        )
        axes = list(range(begin_norm_axis % rank, rank))
        mean, variance = tf.nn.moments(inputs, axes, keep_dims=True)
        outputs = tf.nn.batch_normalization(inputs, mean, variance, beta, gamma, 1e-12)
        return activation_fn(outputs) if activation_fn is not None else outputs


def _l2_regularizer(scale, scope=None):
    def l2(weights):
        with tf.name_scope(scope, "l2_regularizer", [weights]) as name:
            return tf.multiply(
                tf.convert_to_tensor(scale, dtype=weights.dtype.base_dtype), tf.nn.l2_loss(weights), name=name
            )

    return l2


def _contrib_module() -> types.ModuleType:
    contrib = types.ModuleType("tensorflow.contrib")
    layers = types.ModuleType("tensorflow.contrib.layers")
    layers.instance_norm = _instance_norm
    layers.layer_norm = _layer_norm
    layers.l2_regularizer = _l2_regularizer
    layers.variance_scaling_initializer = lambda factor=2.0, mode="FAN_IN", uniform=False, seed=None: (
        tf.variance_scaling_initializer(factor, mode.lower(), "uniform" if uniform else "truncated_normal", seed)
    )
    layers.xavier_initializer = lambda uniform=True, seed=None: (
        tf.glorot_uniform_initializer(seed) if uniform else tf.glorot_normal_initializer(seed)
    )
    data = types.ModuleType("tensorflow.contrib.data")
    data.shuffle_and_repeat = lambda buffer_size, count=None, seed=None: (
        lambda ds: ds.shuffle(max(1, buffer_size), seed).repeat(count)
    )
    data.map_and_batch = lambda map_func, batch_size, num_parallel_batches=None, drop_remainder=False, **_: (
        lambda ds: ds.map(map_func).batch(batch_size, drop_remainder=drop_remainder)
    )
    data.prefetch_to_device = lambda device, buffer_size=None: lambda ds: ds
    slim = types.ModuleType("tensorflow.contrib.slim")
    contrib.layers, contrib.data, contrib.slim = layers, data, slim
    return contrib


@contextlib.contextmanager
def official_imports(official_dir: Path):
    """While importing the official modules, ``tensorflow`` is tf.compat.v1 plus the contrib shim."""
    shim = types.ModuleType("tensorflow")
    shim.__dict__.update({k: getattr(tf, k) for k in dir(tf) if not k.startswith("__")})
    shim.contrib = _contrib_module()
    names = [
        "tensorflow",
        "tensorflow.contrib",
        "tensorflow.contrib.data",
        "tensorflow.contrib.slim",
        "tensorflow.contrib.layers",
        "cv2",
    ]
    saved = {name: sys.modules.get(name) for name in names}
    sys.modules.update(
        {
            "tensorflow": shim,
            "tensorflow.contrib": shim.contrib,
            "tensorflow.contrib.data": shim.contrib.data,
            "tensorflow.contrib.slim": shim.contrib.slim,
            "tensorflow.contrib.layers": shim.contrib.layers,
            "cv2": types.ModuleType("cv2"),
        }
    )
    sys.path.insert(0, str(official_dir))
    try:
        yield
    finally:
        sys.path.remove(str(official_dir))
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


# ---------------------------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------------------------


def official_args(light: bool, workdir: Path) -> argparse.Namespace:
    """main.py's defaults, with the tiny sizes."""
    return argparse.Namespace(
        phase="train",
        light=light,
        dataset=DATASET,
        epoch=100,
        iteration=10000,
        batch_size=1,
        print_freq=1000,
        save_freq=1000,
        decay_flag=True,
        decay_epoch=50,
        lr=0.0001,
        GP_ld=10,
        adv_weight=1,
        cycle_weight=10,
        identity_weight=10,
        cam_weight=1000,
        gan_type="lsgan",
        smoothing=True,
        ch=CH,
        n_res=N_RES,
        n_dis=N_DIS_BUILT,
        n_critic=1,
        sn=True,
        img_size=IMG,
        img_ch=3,
        augment_flag=True,
        checkpoint_dir=str(workdir / "checkpoint"),
        result_dir=str(workdir / "results"),
        log_dir=str(workdir / "logs"),
        sample_dir=str(workdir / "samples"),
    )


def fixture_inputs() -> np.ndarray:
    """Three 64 px RGB images in [-1, 1], NHWC: a gradient, a disc, smoothed seeded noise."""
    ys, xs = np.meshgrid(np.linspace(-1, 1, IMG), np.linspace(-1, 1, IMG), indexing="ij")
    gradient = np.stack([xs, ys, (xs + ys) / 2], -1)
    disc = ((xs - 0.2) ** 2 + (ys + 0.1) ** 2 < 0.3).astype(np.float64)
    disc_img = np.stack([disc * 1.6 - 0.8, np.sin(3 * xs) * 0.7, disc * -1.2 + 0.5], -1)
    noise = np.random.default_rng(7).normal(size=(IMG + 4, IMG + 4, 3))
    kernel = np.ones(5) / 5
    for axis in (0, 1):
        noise = np.apply_along_axis(lambda v: np.convolve(v, kernel, "valid"), axis, noise)
    noise = np.clip(noise * 1.5, -1, 1)
    return np.clip(np.stack([gradient, disc_img, noise]), -1, 1).astype(np.float32)


def random_value(name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Seeded, non-trivial values for one generator variable."""
    leaf = name.rsplit("/", 1)[-1]
    if leaf == "rho":
        rho = rng.uniform(0.02, 0.98, size=shape)
        rho.flat[0] = 0.05  # the smoothing clip (rho - 0.1 -> 0) must matter
        if rho.size > 2:
            rho.flat[2] = 0.08
        return rho
    if leaf == "gamma":
        return 1.0 + 0.3 * rng.standard_normal(shape)
    if leaf in ("beta", "bias"):
        return 0.2 * rng.standard_normal(shape)
    if leaf == "kernel":
        fan_in = int(np.prod(shape[:-1]))
        scale = 0.5 if "CAM_logit" in name else 1.0
        return scale * rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    raise ValueError(f"unexpected generator variable {name}")


def make_one(kind: str, official_dir: Path, out_root: Path, results: dict[str, np.ndarray]) -> Path:
    light = kind == "light"
    tf.reset_default_graph()
    tf.set_random_seed(1234 if light else 4321)
    rng = np.random.default_rng(11 if light else 22)
    with official_imports(official_dir):
        import UGATIT as official  # noqa: N813 - the official module name

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for sub in ("trainA", "trainB"):  # build_model() globs these; the files are never read
            (workdir / "dataset" / DATASET / sub).mkdir(parents=True)
            (workdir / "dataset" / DATASET / sub / "0.jpg").write_bytes(b"")
        cwd = os.getcwd()
        os.chdir(workdir)
        try:
            sess = tf.Session()
            gan = official.UGATIT(sess, official_args(light, workdir))
            gan.build_model()
            x_ph = tf.placeholder(tf.float32, [1, IMG, IMG, 3], name="fixture_input")
            heads = {}
            for scope in ("generator_B", "generator_A"):
                heads[scope] = gan.generator(x_ph, reuse=True, scope=scope)
                if light:
                    gan.smoothing = False
                    heads["nosmooth/" + scope] = gan.generator(x_ph, reuse=True, scope=scope)
                    gan.smoothing = True
            sess.run(tf.global_variables_initializer())
            gen_vars = [v for v in tf.trainable_variables() if v.name.startswith("generator_")]
            for var in sorted(gen_vars, key=lambda v: v.name):
                name = var.name.split(":")[0]
                value = random_value(name, tuple(var.shape.as_list()), rng).astype(np.float32)
                var.load(value, sess)

            gan.saver = tf.train.Saver()
            gan.n_dis = N_DIS_NAME  # the folder name says what the release says (see the module docstring)
            gan.save(gan.checkpoint_dir, STEP)
            model_dir = gan.model_dir

            inputs = fixture_inputs()
            results[f"{kind}/inputs"] = inputs
            for key, (out, cam, heatmap) in heads.items():
                outs = [sess.run([out, cam, heatmap], {x_ph: inputs[i : i + 1]}) for i in range(len(inputs))]
                results[f"{kind}/{key}/out"] = np.concatenate([o[0] for o in outs])
                results[f"{kind}/{key}/cam_logit"] = np.concatenate([o[1] for o in outs])
                results[f"{kind}/{key}/heatmap"] = np.stack([o[2] for o in outs])
                results[f"{kind}/{key}/smoothing"] = np.array(not key.startswith("nosmooth/"))
            for var in gen_vars:
                name = var.name.split(":")[0]
                if (light and name.startswith("generator_B/")) or name in FULL_VARIABLES_SAVED:
                    results[f"{kind}/variables/{name}"] = sess.run(var)
            results[f"{kind}/config"] = np.array([CH, N_RES, IMG, int(light), STEP])
            sess.close()
        finally:
            os.chdir(cwd)

        src = workdir / "checkpoint" / model_dir
        dst = out_root / model_dir
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst)
    for meta in dst.glob("*.meta"):  # the training graph is large and the reader does not need it
        meta.unlink()
    state = (dst / "checkpoint").read_text()
    (dst / "checkpoint").write_text(state.replace(str(src), f"{AUTHOR_ROOT}/{model_dir}"))
    return dst


FULL_VARIABLES_SAVED = (
    "generator_B/conv/conv2d/kernel",
    "generator_B/adaptive_resblock0/res1/instance_layer_norm/rho",
    "generator_B/CAM_logit/kernel",
    "generator_B/MLP/beta/dense/bias",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("official_dir", type=Path, help="checkout of taki0112/UGATIT (ops.py, utils.py, UGATIT.py)")
    parser.add_argument("--out", type=Path, default=HERE, help="fixture folder (default: this script's folder)")
    args = parser.parse_args()
    tf.disable_eager_execution()
    out_root = args.out / "checkpoint"
    out_root.mkdir(parents=True, exist_ok=True)
    results: dict[str, np.ndarray] = {}
    folders = [make_one(kind, args.official_dir.resolve(), out_root, results) for kind in ("light", "full")]
    np.savez_compressed(args.out / "outputs.npz", **results)

    lines = ["# every tensor in each fixture checkpoint, as tf.train.list_variables lists it: name, shape, dtype"]
    for folder in folders:
        (index,) = folder.glob("*.index")
        prefix = str(index)[: -len(".index")]
        dtypes = real_tf.train.load_checkpoint(prefix).get_variable_to_dtype_map()
        lines.append(f"[{folder.name}/{Path(prefix).name}]")
        lines += [f"{name}\t{list(shape)}\t{dtypes[name].name}" for name, shape in real_tf.train.list_variables(prefix)]
    (args.out / "variables.txt").write_text("\n".join(lines) + "\n")
    print(f"TensorFlow {real_tf.__version__}; wrote {len(lines)} variable lines, outputs: {sorted(results)[:4]}...")


if __name__ == "__main__":
    main()
