# Benjamin et al. 2022, efficient codes emerge from gradient descent (psychophysics study).
# Sweeps, figures and claims are declared in src/neurosweep/studies/psychophysics/paper.py;
# grids and settings in config/psychophysics.yaml.


# Data rules run beside the controller, never in a cluster queue: they are quick, and compute
# nodes often cannot reach the internet that download rules need.
localrules:
    psychophysics_photos,


# Generated data: the photographs bundled with scikit-image, grey and colour, as one file.
rule psychophysics_photos:
    output:
        "results/psychophysics/data/photos.npz",
    log:
        "logs/psychophysics/photos.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/psychophysics_photos.py"


# Paper-named targets: `snakemake psychophysics_fig5` builds (only) what Fig. 5 needs.
rule psychophysics_fig2:
    input:
        "results/psychophysics/figures/fig2.pdf",


rule psychophysics_fig3:
    input:
        "results/psychophysics/figures/fig3.pdf",


rule psychophysics_fig5:
    input:
        "results/psychophysics/figures/fig5.pdf",


rule psychophysics_fig6:
    input:
        "results/psychophysics/figures/fig6.pdf",


rule psychophysics_controls:
    input:
        "results/psychophysics/figures/figS1.pdf",
        "results/psychophysics/figures/figS2.pdf",


# Optional stage (off by default): real ImageNet networks from local weights; see README.
rule psychophysics_pretrained:
    input:
        "results/psychophysics/figures/figP.pdf",


rule psychophysics_claims:
    input:
        "results/psychophysics/claims.tsv",
