"""A TensorFlow checkpoint of another model (one dense layer): what `convert` must refuse. Made once with
TF_USE_LEGACY_KERAS=1 /tmp/tfvenv/bin/python tests/data/tf/make_other_model.py (tensorflow-cpu 2.21.0,
tf_keras 2.21.0; see README.md); not run in CI. The state file was then rewritten with relative paths."""

import os

import tensorflow as tf

tf.compat.v1.disable_eager_execution()
x = tf.compat.v1.placeholder(tf.float32, [1, 8])
with tf.compat.v1.variable_scope("classifier"):
    w = tf.compat.v1.get_variable("dense/kernel", [8, 4], initializer=tf.compat.v1.random_normal_initializer(seed=1))
    b = tf.compat.v1.get_variable("dense/bias", [4], initializer=tf.compat.v1.zeros_initializer())
y = tf.matmul(x, w) + b
saver = tf.compat.v1.train.Saver()
with tf.compat.v1.Session() as session:
    session.run(tf.compat.v1.global_variables_initializer())
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoint_other_model", "classifier")
    os.makedirs(out, exist_ok=True)
    saver.save(session, os.path.join(out, "classifier.model"), global_step=5, write_meta_graph=False)
