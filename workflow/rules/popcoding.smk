# Blanco Malerba et al. 2024, jointly efficient encoding and decoding (popcoding study).
# Sweeps, figures and claims are declared in src/neurosweep/studies/popcoding/paper.py;
# grids and settings in config/popcoding.yaml. Each training job is one (configuration, seed)
# and trains every target rate R* of the sweep together.


# Data rules run beside the controller, never in a cluster queue (quick; downloads need internet).
localrules:
    popcoding_stimuli,
    popcoding_moore,


# Generated data: training stimuli per (prior, training-set size, seed), the fixed test set and
# the prior's evaluation grid. Deterministic: the same wildcards always give the same bytes.
rule popcoding_stimuli:
    output:
        "results/popcoding/data/stimuli/prior~{prior}/samples~{n_samples}/seed~{seed}.npz",
    log:
        "logs/popcoding/stimuli/{prior}_{n_samples}_{seed}.log",
    wildcard_constraints:
        prior="lognormal|gaussian|mixture|frequency",
        n_samples="[0-9]+",
        seed="[0-9]+",
    conda:
        "../../environment.yml"
    script:
        "../scripts/popcoding_stimuli.py"


# Downloaded data: Moore's difference limens (3 files, commit-pinned URLs, SHA-256 checked),
# as one tidy table. Offline, the published values in the package's reference file are used.
rule popcoding_moore:
    output:
        "results/popcoding/data/moore1979.csv",
    log:
        "logs/popcoding/moore.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/popcoding_moore.py"


# Paper-named targets: `snakemake popcoding_fig4` builds (only) what Fig. 4 needs.
rule popcoding_fig2:
    input:
        "results/popcoding/figures/fig2.pdf",


rule popcoding_fig3:
    input:
        "results/popcoding/figures/fig3.pdf",


rule popcoding_fig4:
    input:
        "results/popcoding/figures/fig4.pdf",


rule popcoding_fig5:
    input:
        "results/popcoding/figures/fig5.pdf",


rule popcoding_fig6:
    input:
        "results/popcoding/figures/fig6.pdf",


rule popcoding_fig7:
    input:
        "results/popcoding/figures/fig7.pdf",


rule popcoding_fig8:
    input:
        "results/popcoding/figures/fig8.pdf",


rule popcoding_fig9:
    input:
        "results/popcoding/figures/fig9.pdf",


rule popcoding_supplement:
    input:
        expand("results/popcoding/figures/{figure}.pdf",
               figure=["figS1", "figS2", "figS3", "figS4", "figS5", "figS7"]),


rule popcoding_claims:
    input:
        "results/popcoding/claims.tsv",
