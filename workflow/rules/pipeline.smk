# The generic pipeline every study uses, one sweep point per training job:
# train -> aggregate (one file per sweep) -> figure data -> figure drawing, plus claims tables.
# Input functions and the PLAN they read live in common.smk.


# One job per sweep point. Checkpoints go to work/ (not a declared output, so Snakemake
# does not delete them when a job is interrupted); outputs are written atomically at the end.
# On a cluster, CPU points are bundled into group jobs (`train_bundle`, sized by the profile's
# group-components); GPU points (a sweep's `resources: gpu`) stay one job each.
rule train:
    input:
        unpack(train_inputs),
    output:
        result="results/{study}/runs/{sweep}/{point}/result.npz",
        record="results/{study}/runs/{sweep}/{point}/record.json",
    params:
        values=train_params,
        point_id=train_point_id,
        code=train_code,  # hash of the library code this job runs: editing it re-trains
        software=SOFTWARE,  # python, torch and numpy versions: upgrading them re-trains
        work_dir="work/{study}/{sweep}/{point}",
    log:
        "logs/{study}/train/{sweep}/{point}.log",
    benchmark:
        "results/{study}/benchmarks/{sweep}/{point}.tsv"
    wildcard_constraints:
        study=UNPACKED_PATTERN,
    threads: 1
    resources:
        mem_mb=train_mem_mb,
        runtime=train_runtime,
        gpu=train_gpu,
    group:
        train_group
    conda:
        "../../environment.yml"
    script:
        "../scripts/train.py"


# Packed studies: one job trains every point of a pack side by side (an ensemble in one process)
# and stages each point's files; `publish_point` then puts each in its usual place, so
# aggregation, figures and claims stay per point. Points whose published result has the same
# params are copied, not trained again, when a pack gains members (a sweep was extended).
rule train_pack:
    input:
        pack_inputs,
    output:
        manifest="results/{study}/packs/{pack}/pack.json",
        members=directory("results/{study}/packs/{pack}/members"),
    params:
        members=pack_params,
        code=pack_code,  # hash of the library code this job runs: editing it re-trains
        software=SOFTWARE,
        work_dir="work/{study}/packs/{pack}",
    log:
        "logs/{study}/train/packs/{pack}.log",
    benchmark:
        "results/{study}/benchmarks/packs/{pack}.tsv"
    wildcard_constraints:
        study=PACKED_PATTERN,
        pack="[A-Za-z0-9_]+~[^/]+(/[A-Za-z0-9_]+~[^/]+)*",
    threads: 1
    resources:
        mem_mb=pack_mem_mb,
        runtime=pack_runtime,
        gpu=pack_gpu,
    conda:
        "../../environment.yml"
    script:
        "../scripts/train_pack.py"


# Copies two small files: a local rule (no queue), run by Snakemake itself.
rule publish_point:
    input:
        unpack(published_from),
    output:
        result="results/{study}/runs/{sweep}/{point}/result.npz",
        record="results/{study}/runs/{sweep}/{point}/record.json",
    log:
        "logs/{study}/publish/{sweep}/{point}.log",
    wildcard_constraints:
        study=PACKED_PATTERN,
    run:
        publish_point(input.manifest, wildcards.sweep, wildcards.point, output.result, output.record, log[0])


rule aggregate:
    input:
        sweep_results,
    params:
        points=sweep_points,
    output:
        arrays="results/{study}/{sweep}/runs.npz",
        index="results/{study}/{sweep}/runs.json",
        table="results/{study}/{sweep}/metrics.csv",
    log:
        "logs/{study}/aggregate/{sweep}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/aggregate.py"


# Figure rules carry the hash of the library code they run (data function, drawing module and
# what they import), as the training rules do: editing that code remakes exactly these figures,
# and a checkout that only touches file times remakes nothing.
rule figure_data:
    input:
        unpack(figure_data_inputs),
    output:
        "results/{study}/figures/{figure}.npz",
    params:
        code=figure_data_code,
    log:
        "logs/{study}/figures/{figure}_data.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_data.py"


# Draws the figure and writes its provenance card (figures/<figure>.json: commit, code hashes,
# config, the points it used, the claims of its sweep with their verdicts).
rule draw_figure:
    input:
        data="results/{study}/figures/{figure}.npz",
        claims=figure_sweep_claims,
    output:
        pdf="results/{study}/figures/{figure}.pdf",
        png=report("results/{study}/figures/{figure}.png", caption="../report/figure.rst",
                   category="{study}", subcategory="{figure}",
                   labels={"study": "{study}", "figure": "{figure}", "file": "figure"}),
        card=report("results/{study}/figures/{figure}.json", caption="../report/card.rst",
                    category="{study}", subcategory="{figure}",
                    labels={"study": "{study}", "figure": "{figure}", "file": "provenance card"}),
    params:
        code=figure_draw_code,
        title=figure_title,  # for the report's caption
    log:
        "logs/{study}/figures/{figure}_draw.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/draw_figure.py"


# Same seed, same result: re-train one point from scratch and compare bytes with the sweep's.
# It trains, so on a cluster it is submitted like `train` (not a local rule).
rule rerun_check:
    input:
        unpack(rerun_inputs),
    output:
        "results/{study}/rerun_check.json",
    params:
        rerun=rerun_params,
    log:
        "logs/{study}/rerun_check.log",
    threads: 1
    resources:
        mem_mb=rerun_mem_mb,
        runtime=rerun_runtime,
        gpu=rerun_gpu,
    conda:
        "../../environment.yml"
    script:
        "../scripts/rerun_check.py"


# A sweep's claims, checked as soon as the sweep is aggregated (each figure's card lists the
# claims of its sweep); claims.json records the code hash that made them (for `neurosweep plan`).
rule sweep_claims:
    input:
        unpack(sweep_claim_inputs),
    output:
        table="results/{study}/{sweep}/claims.tsv",
        made_by="results/{study}/{sweep}/claims.json",
    params:
        code=sweep_claims_code,
    log:
        "logs/{study}/claims/{sweep}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/sweep_claims.py"


rule study_claims:
    input:
        sweeps=study_sweep_claims,
        rerun="results/{study}/rerun_check.json",
    output:
        report("results/{study}/claims.tsv", caption="../report/claims.rst", category="{study}",
               subcategory="claims", labels={"study": "{study}", "file": "claims table"}),
    log:
        "logs/{study}/claims.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/study_claims.py"


rule all_claims:
    input:
        expand("results/{study}/claims.tsv", study=PLAN.studies),
    output:
        "results/claims.tsv",
    log:
        "logs/claims.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/all_claims.py"
