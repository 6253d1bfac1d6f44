# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exploratory data analysis
#
# A first look at the digits written by `ingest`: how many images there are of each digit, how
# the pixel values are distributed, and what the images look like.

# %% tags=["parameters"]
# Number of example images shown per digit.
images_per_digit = 10

# %%
import matplotlib.pyplot as plt
import numpy as np

import pynb_dag_runner as pdr

# %%
[ingest] = pdr.upstream("ingest")
with np.load(ingest.artifacts["digits.npz"]) as data:
    X, y = data["X"], data["y"]
print(f"{X.shape[0]} images from {ingest.id}")

# %% [markdown]
# ## Images per digit
#
# The classes are balanced: about 180 images of each digit.

# %%
digits, counts = np.unique(y, return_counts=True)
counts_per_digit = {str(d): int(c) for d, c in zip(digits, counts)}
pdr.log_value("counts_per_digit", counts_per_digit)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.bar(digits, counts, color="tab:blue")
ax.set_xticks(digits)
ax.set_xlabel("digit")
ax.set_ylabel("number of images")
ax.set_title("Images per digit")
fig.tight_layout()
pdr.log_figure("images-per-digit.png", fig)
plt.show()

# %% [markdown]
# ## Pixel values
#
# Pixels take integer values 0 (white) to 16 (black); most are blank.

# %%
values, value_counts = np.unique(X, return_counts=True)
pdr.log_value("fraction_of_zero_pixels", round(float((X == 0).mean()), 4))

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.bar(values, value_counts, color="tab:gray")
ax.set_yscale("log")
ax.set_xlabel("pixel value")
ax.set_ylabel("number of pixels (log scale)")
ax.set_title("Distribution of pixel values")
fig.tight_layout()
pdr.log_figure("pixel-values.png", fig)
plt.show()

# %% [markdown]
# ## Example images
#
# One row per digit: the first images of each class in the data set.

# %%
# One image of tiles rather than 100 small plots: the same picture, drawn in a fraction of the time.
gap = 2
mosaic = np.zeros((10 * (8 + gap), images_per_digit * (8 + gap)))
for digit in range(10):
    for col, image in enumerate(X[y == digit][:images_per_digit]):
        top, left = digit * (8 + gap), col * (8 + gap)
        mosaic[top : top + 8, left : left + 8] = image.reshape(8, 8)

fig, ax = plt.subplots(figsize=(images_per_digit * 0.6 + 1, 7))
ax.imshow(mosaic, cmap="gray_r", vmin=0, vmax=16)
ax.set_yticks([d * (8 + gap) + 3.5 for d in range(10)], labels=[str(d) for d in range(10)])
ax.set_xticks([])
ax.set_ylabel("digit")
ax.set_title("Example images, one row per digit")
fig.tight_layout()
pdr.log_figure("example-images.png", fig)
plt.show()
