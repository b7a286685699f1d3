"""Benjamin, Zhang, Qiu, Stocker & Kording (2022), Efficient neural codes naturally emerge
through gradient descent learning, Nat. Commun. 13:7972. doi:10.1038/s41467-022-35659-7

The map from the paper to the workflow: sweeps, figures and claims (no torch import here).
"""

from neurosweep.study import FigureSpec, StudySpec

SPEC = StudySpec(
    name="psychophysics",
    paper="Benjamin et al. 2022, Nat. Commun. 13:7972",
    trainers={
        "linear": "linear:train",
        "orientation": "orientation:train",
        "hue": "hue:train",
        "supervised": "supervised:train",
        "pretrained": "pretrained:train",
    },
    claims={
        "linear": "linear:claims",
        "orientation": "orientation:claims",
        "hue": "hue:claims",
        "supervised": "supervised:claims",
        "pretrained": "pretrained:claims",
    },
    figures={
        "fig2": FigureSpec("Orientation sensitivity follows training statistics (Fig. 2)",
                           "orientation", "orientation:fig2_data", "plots.fig2"),
        "fig3": FigureSpec("Hue sensitivity follows the hue distribution (Fig. 3)",
                           "hue", "hue:fig3_data", "plots.fig3"),
        "fig5": FigureSpec("Linear networks learn principal components in order (Fig. 5)",
                           "linear", "linear:fig5_data", "plots.fig5"),
        "fig6": FigureSpec("Supervised learning: frequency and label information (Fig. 6)",
                           "supervised", "supervised:fig6_data", "plots.fig6"),
        "figS1": FigureSpec("Orientation controls: init, shuffled, isotropic, rotated",
                            "orientation", "orientation:figS1_data", "plots.figS1"),
        "figS2": FigureSpec("Supervised control: balanced recipe vs equal gradient rate",
                            "supervised", "supervised:figS2_data", "plots.figS2"),
        "figP": FigureSpec("ImageNet networks (optional stage): J(θ) per layer, trained/init/shuffled",
                           "pretrained", "pretrained:figP_data", "plots.figP"),
    },
    rerun_claim="T17",
    rerun_sweep="supervised",  # random minibatches, orientations and phases at every step
    # Real ImageNet networks need torchvision and a local weights file: off unless configured.
    optional=("pretrained",),
    inputs={
        "linear": {"photos": "results/psychophysics/data/photos.npz"},
    },
)
