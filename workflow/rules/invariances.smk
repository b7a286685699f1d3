# Baroni et al. 2022, invariance manifolds of visual neurons via CPPNs (invariances study).
# Sweeps, figures and claims are declared in src/neurosweep/studies/invariances/paper.py; grids
# and settings in config/invariances.yaml. Runs that share a latent topology, grid, image size
# and schedule train together in one `train_pack` job, and are published one by one. The Gabor
# model cells are generated in the training job (closed form); only the macaque stage downloads.


localrules:
    invariances_macaque_weights,


# Downloaded data: the three CNNs of the macaque V1 model (1 MB, commit-pinned URLs, SHA-256
# checked). Needed only by the `macaque` sweep (paper config); offline, place the files by hand
# (the error says where) or set NEUROSWEEP_MACAQUE_BASE_URL to a mirror.
rule invariances_macaque_weights:
    output:
        expand("results/invariances/data/macaque/{name}",
               name=["monkey_model10.pt", "monkey_model3.pt", "monkey_model12.pt"]),
    log:
        "logs/invariances/macaque_weights.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/invariances_macaque_weights.py"


# Paper-named targets: `snakemake invariances_fig2` builds (only) what Fig. 2 needs.
rule invariances_fig2:
    input:
        "results/invariances/figures/fig2.pdf",


rule invariances_fig3:
    input:
        "results/invariances/figures/fig3.pdf",


# Optional stage (paper config): the sheet latent.
rule invariances_fig3_sheet:
    input:
        "results/invariances/figures/fig3_sheet.pdf",


rule invariances_fig4:
    input:
        "results/invariances/figures/fig4.pdf",


# Optional stage (paper config): the macaque V1 model neurons; downloads the weights.
rule invariances_fig5:
    input:
        "results/invariances/figures/fig5.pdf",


rule invariances_supplement:
    input:
        expand("results/invariances/figures/{figure}.pdf", figure=["figS1", "figS2", "figS3", "figS4"]),


# Optional stage (paper config): the grid-size ablation.
rule invariances_figS5:
    input:
        "results/invariances/figures/figS5.pdf",


rule invariances_claims:
    input:
        "results/invariances/claims.tsv",
