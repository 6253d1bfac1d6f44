# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Train a model
#
# Trains a linear support vector classifier on the first `nr_train_images` images of the
# training set. The pipeline runs this notebook once per value of its matrix, to show how the
# model improves with more training data. The fitted model is saved as the artifact
# `model.joblib` for `benchmark-model`.

# %% tags=["parameters"]
# Number of training images to fit on (the pipeline's matrix sets it).
nr_train_images = 600
# Regularisation strength of the SVC: small C, strong regularisation (as the original demo).
svc_c = 0.001

# %%
import io
import time

import joblib
import numpy as np
from sklearn.svm import SVC

import pynb_dag_runner as pdr

# %%
[split] = pdr.upstream("split-train-test")
with np.load(split.artifacts["train.npz"]) as data:
    X_train, y_train = data["X"], data["y"]

assert nr_train_images <= len(y_train), (
    f"nr_train_images={nr_train_images} but the training set holds only {len(y_train)} images: "
    "lower nr_train_images or raise train_test_ratio"
)
X_train, y_train = X_train[:nr_train_images], y_train[:nr_train_images]

# %% [markdown]
# ## Fit
#
# `probability=True` makes the model estimate class probabilities (with an internal
# cross-validation), which the ROC curves of `benchmark-model` need.

# %%
model = SVC(C=svc_c, kernel="linear", probability=True, random_state=0)
started = time.perf_counter()
model.fit(X_train, y_train)
fit_seconds = time.perf_counter() - started

train_accuracy = round(float(model.score(X_train, y_train)), 6)
pdr.log_metric("train_accuracy", train_accuracy)
pdr.log_metric("fit_seconds", round(fit_seconds, 3))
pdr.log_value("nr_support_vectors", int(model.n_support_.sum()))
print(f"fitted on {len(y_train)} images in {fit_seconds:.2f} s: training accuracy {train_accuracy:.4f}")

# %%
buffer = io.BytesIO()
joblib.dump(model, buffer)
model_path = pdr.log_artifact("model.joblib", buffer.getvalue())
print(f"model saved: {model_path.stat().st_size} bytes")
