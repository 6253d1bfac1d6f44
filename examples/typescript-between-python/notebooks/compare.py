# %% [markdown]
# # Compare
#
# Reads the counts of every histogram instance (TypeScript) back in Python.

# %% tags=["parameters"]
n_points = 100

# %%
import pynb_dag_runner as pdr

shares = {}
for up in pdr.upstream("histogram"):
    counts = up.values["counts"]
    assert sum(counts) == n_points, (counts, n_points)
    shares[str(up.matrix["bins"])] = max(counts) / n_points
    print(f"bins={up.matrix['bins']}: {counts}")
pdr.log_value("largest_bin_share", shares)
