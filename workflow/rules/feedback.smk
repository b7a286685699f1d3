# Naumann, Keijser & Sprekeler 2022, invariant subspaces by feedback modulation (feedback study).
# Sweeps, figures and claims are declared in src/neurosweep/studies/feedback/paper.py; grids and
# settings in config/feedback.yaml. Points that share a network variant, its sizes and a seed
# train together in one `train_pack` job (an ensemble), and are published one by one.


localrules:
    feedback_test_contexts,


# Generated data: the fixed test contexts every sweep point is evaluated on (clarity, decoding,
# freeze pairs, the context grid of Fig. 7), for two and three sources. Deterministic.
rule feedback_test_contexts:
    output:
        "results/feedback/data/test_contexts.npz",
    log:
        "logs/feedback/test_contexts.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/feedback_test_contexts.py"


# Paper-named targets: `snakemake feedback_fig3` builds (only) what Fig. 3 needs.
rule feedback_fig1:
    input:
        expand("results/feedback/figures/{figure}.pdf", figure=["fig1", "fig1e"]),


rule feedback_fig2:
    input:
        "results/feedback/figures/fig2.pdf",


rule feedback_fig3:
    input:
        expand("results/feedback/figures/{figure}.pdf", figure=["fig3", "fig3e"]),


rule feedback_fig4:
    input:
        "results/feedback/figures/fig4.pdf",


rule feedback_fig5:
    input:
        "results/feedback/figures/fig5.pdf",


rule feedback_fig6:
    input:
        "results/feedback/figures/fig6.pdf",


rule feedback_fig7:
    input:
        "results/feedback/figures/fig7.pdf",


rule feedback_supplement:
    input:
        expand("results/feedback/figures/{figure}.pdf",
               figure=["figS1", "figS2", "figS3", "figS5", "figS6", "figS7", "figS8"]),


rule feedback_claims:
    input:
        "results/feedback/claims.tsv",
