# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Ingest
#
# Loads the hand-written digits data set that ships with scikit-learn: 1797 grey-scale images of
# 8x8 pixels (values 0 to 16), each labelled with the digit it shows. Nothing is downloaded.
#
# The arrays are checked, then written as the artifact `digits.npz` for the downstream tasks.

# %% tags=["parameters"]
# This task has no parameters of its own; the pipeline's parameters are injected below.

# %%
import io

import numpy as np
from sklearn.datasets import load_digits

import pynb_dag_runner as pdr

# %%
digits = load_digits()
X = digits.data.astype(np.uint8)  # pixel values are integers 0..16: uint8 keeps them exactly
y = digits.target.astype(np.uint8)

# %% [markdown]
# ## Checks
#
# A pipeline should stop here, not three tasks later, when its input is not what it expects.

# %%
assert X.shape == (1797, 64), f"unexpected image array shape {X.shape}"
assert y.shape == (X.shape[0],), f"unexpected label array shape {y.shape}"
assert np.array_equal(X, digits.data), "pixel values are not integers in 0..255"
assert X.min() >= 0 and X.max() <= 16, f"pixel values out of range: {X.min()}..{X.max()}"
assert set(np.unique(y)) == set(range(10)), "not every digit 0..9 has examples"

# %%
pdr.log_value("data_shape", list(X.shape))
pdr.log_value("target_shape", list(y.shape))

buffer = io.BytesIO()
np.savez_compressed(buffer, X=X, y=y)
pdr.log_artifact("digits.npz", buffer.getvalue())

print(f"{X.shape[0]} images of {X.shape[1]} pixels, {len(np.unique(y))} classes")
