# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Benchmark a model
#
# Evaluates the model trained on `nr_train_images` images against the test set: one ROC curve
# and its area under the curve (AUC) per digit (that digit against all others), their mean,
# the accuracy and the confusion matrix.

# %% tags=["parameters"]
# Training-set size of the model to benchmark (the pipeline's matrix sets it).
nr_train_images = 600

# %%
import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score, auc, roc_curve

import pynb_dag_runner as pdr

# %%
# The pipeline links this instance to the train-model instance with the same nr_train_images.
[trained] = pdr.upstream("train-model")
assert trained.matrix.get("nr_train_images") == nr_train_images, (
    f"expected the model trained on {nr_train_images} images, got {trained.id}"
)
[split] = pdr.upstream("split-train-test")

model = joblib.load(trained.artifacts["model.joblib"])
with np.load(split.artifacts["test.npz"]) as data:
    X_test, y_test = data["X"], data["y"]

probabilities = model.predict_proba(X_test)
predictions = model.classes_[probabilities.argmax(axis=1)]

# %% [markdown]
# ## ROC curves, one per digit

# %%
auc_per_digit = {}
# Every curve hugs the top-left corner, so the right panel zooms into it.
fig, (ax, zoom) = plt.subplots(1, 2, figsize=(11, 5.5))
for column, digit in enumerate(model.classes_):
    fpr, tpr, _ = roc_curve(y_test == digit, probabilities[:, column])
    digit_auc = round(float(auc(fpr, tpr)), 6)
    auc_per_digit[str(int(digit))] = digit_auc
    ax.plot(fpr, tpr, label=f"{digit} (AUC {digit_auc:.4f})")
    zoom.plot(fpr, tpr)
ax.plot([0, 1], [0, 1], color="lightgray", linestyle="--")
ax.set_title("ROC curve per digit")
ax.legend(title="digit", loc="lower right", fontsize="small")
zoom.set_xlim(0, 0.1)
zoom.set_ylim(0.8, 1.005)
zoom.set_title("top-left corner, zoomed in")
for a in (ax, zoom):
    a.set_xlabel("false positive rate")
    a.set_ylabel("true positive rate")
    a.grid(True, alpha=0.3)
fig.suptitle(f"Model trained on {nr_train_images} images, on {len(y_test)} test images")
fig.tight_layout()
pdr.log_figure("roc-curves.png", fig)
plt.show()

mean_auc = round(float(np.mean(list(auc_per_digit.values()))), 6)
pdr.log_value("auc_per_digit", auc_per_digit)
pdr.log_metric("mean_auc", mean_auc)
print(f"mean AUC {mean_auc:.4f}")

# %% [markdown]
# ## Accuracy and confusion matrix

# %%
accuracy = round(float(accuracy_score(y_test, predictions)), 6)
pdr.log_metric("test_accuracy", accuracy)

fig, ax = plt.subplots(figsize=(6, 5.5))
ConfusionMatrixDisplay.from_predictions(y_test, predictions, ax=ax, colorbar=False)
ax.set_title(f"Confusion matrix, {nr_train_images} training images")
fig.tight_layout()
pdr.log_figure("confusion-matrix.png", fig)
plt.show()
print(f"test accuracy {accuracy:.4f}")
