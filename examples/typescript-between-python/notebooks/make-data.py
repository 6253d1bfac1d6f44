# %% [markdown]
# # Make data
#
# Draws `n_points` values from a normal distribution and logs them as a JSON artifact for the
# TypeScript task.

# %% tags=["parameters"]
n_points = 100
seed = 0

# %%
import json
import random

import pynb_dag_runner as pdr

rng = random.Random(seed)
points = [round(rng.gauss(0, 1), 4) for _ in range(n_points)]
pdr.log_artifact("points.json", json.dumps(points))
pdr.log_value("n_points", len(points))
pdr.log_value("mean", sum(points) / len(points))
