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


# Copies two small files: runs inside Snakemake's own process (no new Python, no queue).
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


rule figure_data:
    input:
        unpack(figure_data_inputs),
    output:
        "results/{study}/figures/{figure}.npz",
    log:
        "logs/{study}/figures/{figure}_data.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/figure_data.py"


# The drawing module's source file is an input: editing it redraws exactly this figure.
rule draw_figure:
    input:
        data="results/{study}/figures/{figure}.npz",
        code=figure_draw_code,
    output:
        pdf="results/{study}/figures/{figure}.pdf",
        png="results/{study}/figures/{figure}.png",
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


rule study_claims:
    input:
        unpack(study_claim_inputs),
        sweeps=study_sweep_files,
        rerun="results/{study}/rerun_check.json",
    output:
        "results/{study}/claims.tsv",
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
