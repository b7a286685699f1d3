"""Blanco Malerba, Micheli, Woodford & da Silveira (2024), Jointly efficient encoding and
decoding in neural populations, PLOS Comput. Biol. 20(7):e1012240 (arXiv 2023).
doi:10.1371/journal.pcbi.1012240

The map from the paper to the workflow: sweeps, figures and claims (no torch import here).
Every training job is one (configuration, seed) and trains all target rates R* together.
"""

from neurosweep.study import FigureSpec, StudySpec

MOORE = "results/popcoding/data/moore1979.csv"
STIMULI = "results/popcoding/data/stimuli/prior~{prior}/samples~{n_samples}/seed~{seed}.npz"

POSITIVE_PRIORS = ("lognormal", "frequency")


def check_point(params: dict) -> str | None:
    """Settings that only make sense together (the schema checks each one alone)."""
    for key, value in (("likelihood", "lognormal"), ("domain", "log")):
        if params.get(key) == value and params.get("prior") not in POSITIVE_PRIORS:
            return (f"{key}: {value} needs a positive stimulus prior ({', '.join(POSITIVE_PRIORS)}), "
                    f"not prior: {params.get('prior')}")
    return None


SWEEPS = ("lognormal", "gaussian", "mixture", "neurons", "samples", "activity", "decoder", "frequency")

SPEC = StudySpec(
    name="popcoding",
    paper="Blanco Malerba et al. 2024, PLOS Comput. Biol. 20:e1012240",
    trainers={sweep: "training:train" for sweep in SWEEPS},
    claims={sweep: f"claims:{sweep}" for sweep in SWEEPS},
    figures={
        "fig2": FigureSpec("Training dynamics at one target rate: D, R, -ELBO and beta (Fig. 2)",
                           "lognormal", "figures:fig2_data", "plots.fig2"),
        "fig3": FigureSpec("Gaussian prior: configurations at low and high rate (Fig. 3)",
                           "gaussian", "figures:fig3_data", "plots.fig3"),
        "fig4": FigureSpec("Distortion-rate curve near D = H - R; MI, MSE, H(p(r)), tuning vs R (Fig. 4)",
                           "lognormal", "figures:fig4_data", "plots.fig4"),
        "fig5": FigureSpec("Distortion-rate curves for several population sizes N (Fig. 5)",
                           "neurons", "figures:fig5_data", "plots.fig5"),
        "fig6": FigureSpec("Train vs test distortion for several training-set sizes (Fig. 6)",
                           "samples", "figures:fig6_data", "plots.fig6"),
        "fig7": FigureSpec("Coding error vs stimulus and its power law in pi(x) (Fig. 7)",
                           "lognormal", "figures:fig7_data", "plots.fig7"),
        "fig8": FigureSpec("Tuning widths and neuron density as power laws of pi (Fig. 8)",
                           "lognormal", "figures:fig8_data", "plots.fig8"),
        "fig9": FigureSpec("Frequency prior: predicted discrimination thresholds vs Moore 1979 (Fig. 9)",
                           "frequency", "figures:fig9_data", "plots.fig9", inputs={"moore": MOORE}),
        "figS1": FigureSpec("Log-normal prior: tuning curves, couplings and q(x) at every rate (S1, S6)",
                            "lognormal", "figures:figS1_data", "plots.figS1"),
        "figS2": FigureSpec("Log-normal vs Gaussian decoder: D-R curves and error profiles (S2, S8)",
                            "decoder", "figures:figS2_data", "plots.figS2"),
        "figS3": FigureSpec("Ising vs independent (Bernoulli) prior over activity (S3)",
                            "activity", "figures:figS3_data", "plots.figS3"),
        "figS4": FigureSpec("Mixture-of-Gaussians prior: centres cluster on the modes (S4)",
                            "mixture", "figures:figS4_data", "plots.figS4"),
        "figS5": FigureSpec("Mixture prior: train vs test distortion for several sample sizes (S5)",
                            "mixture", "figures:figS5_data", "plots.figS5"),
        "figS7": FigureSpec("Gaussian prior: error, widths and density vs pi (S7)",
                            "gaussian", "figures:figS7_data", "plots.figS7"),
    },
    inputs={sweep: {"stimuli": STIMULI} for sweep in SWEEPS},
    claim_inputs={"frequency": {"moore": MOORE}},
    check_point=check_point,
    rerun_claim="P0",
    rerun_sweep="neurons",  # a small point: random init and minibatch order
)
