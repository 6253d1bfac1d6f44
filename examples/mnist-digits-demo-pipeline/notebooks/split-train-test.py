# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Split into training and test sets
#
# Splits the digits written by `ingest` into a training set (`train.npz`) and a test set
# (`test.npz`), stratified by digit so both sets hold the same mix of classes.

# %% tags=["parameters"]
# Fraction of the images that go to the training set.
train_test_ratio = 0.7
# Seed of the shuffle: equal seeds give equal splits.
random_seed = 42

# %%
import io

import numpy as np
from sklearn.model_selection import train_test_split

import pynb_dag_runner as pdr

# %%
assert 0 < train_test_ratio < 1, f"train_test_ratio must be between 0 and 1, not {train_test_ratio}"

[ingest] = pdr.upstream("ingest")
with np.load(ingest.artifacts["digits.npz"]) as data:
    X, y = data["X"], data["y"]

X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=train_test_ratio, stratify=y, random_state=random_seed
)

# %%
pdr.log_value("nr_train_images", int(len(y_train)))
pdr.log_value("nr_test_images", int(len(y_test)))


def save(name, **arrays):
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    pdr.log_artifact(name, buffer.getvalue())


save("train.npz", X=X_train, y=y_train)
save("test.npz", X=X_test, y=y_test)
print(f"{len(y_train)} training images, {len(y_test)} test images")
