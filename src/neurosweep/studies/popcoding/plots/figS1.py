"""Figs. S1/S6 (log-normal prior): at every rate, tuning curves (top), coupling matrix J and
q(x) vs π(x)."""
import matplotlib.pyplot as plt

from .common import coupling, prior_and_model, tuning


def draw(data):
    k = len(data["rates"])
    fig, axes = plt.subplots(3, k, figsize=(1.8 * k, 5.4), constrained_layout=True, squeeze=False)
    for i in range(k):
        tuning(axes[0, i], data, f"{i}/")
        axes[0, i].set_title(f"R* = {data['rates'][i]:.2g}")
        coupling(axes[1, i], data, f"{i}/")
        prior_and_model(axes[2, i], data, f"{i}/")
    return fig
