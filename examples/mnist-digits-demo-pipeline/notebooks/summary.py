# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Summary
#
# Collects the results of every `benchmark-model` instance of this run and compares the models:
# how the mean AUC and the accuracy grow with the number of training images.

# %% tags=["parameters"]
# This task has no parameters of its own; the pipeline's parameters are injected below.

# %%
import csv
import io

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import pynb_dag_runner as pdr


# %%
def last_metric(instance, name):
    """The last value of a metric an upstream instance logged."""
    values = [m["value"] for m in instance.metrics if m["name"] == name]
    assert values, f"{instance.id} logged no metric {name!r}"
    return values[-1]


benchmarks = pdr.upstream("benchmark-model")
assert benchmarks, "no benchmark-model instance upstream"

rows = sorted(
    (
        {
            "nr_train_images": int(b.matrix["nr_train_images"]),
            "mean_auc": round(last_metric(b, "mean_auc"), 6),
            "test_accuracy": round(last_metric(b, "test_accuracy"), 6),
            "worst_digit": min(b.values["auc_per_digit"], key=b.values["auc_per_digit"].get),
        }
        for b in benchmarks
    ),
    key=lambda row: row["nr_train_images"],
)

# %% [markdown]
# ## Models compared

# %%
lines = [
    "| training images | mean AUC | test accuracy | hardest digit |",
    "|---:|---:|---:|---:|",
    *(
        f"| {r['nr_train_images']} | {r['mean_auc']:.4f} | {r['test_accuracy']:.4f} | {r['worst_digit']} |"
        for r in rows
    ),
]
display(Markdown("\n".join(lines)))

pdr.log_value("models", rows)
best = max(rows, key=lambda row: row["mean_auc"])
pdr.log_value("best_nr_train_images", best["nr_train_images"])
pdr.log_metric("best_mean_auc", best["mean_auc"])

table = io.StringIO()
writer = csv.DictWriter(table, fieldnames=list(rows[0]))
writer.writeheader()
writer.writerows(rows)
csv_path = pdr.log_artifact("models.csv", table.getvalue())

# %% [markdown]
# ## Mean AUC against training-set size

# %%
sizes = [r["nr_train_images"] for r in rows]
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(sizes, [r["mean_auc"] for r in rows], marker="o", label="mean AUC")
ax.plot(sizes, [r["test_accuracy"] for r in rows], marker="s", label="test accuracy")
ax.set_xticks(sizes)
ax.set_xlabel("number of training images")
ax.set_ylabel("score on the test set")
ax.set_title("Model quality against training-set size")
ax.grid(True, alpha=0.3)
ax.legend()
fig.tight_layout()
pdr.log_figure("mean-auc-vs-training-size.png", fig)
plt.show()
