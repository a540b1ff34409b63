#!/usr/bin/env bash
# The GPU rows of the Benchmarks page in one call, most important first, each group writing its own JSON/Markdown
# as soon as it ends (so a run cut short still leaves the groups that finished). Usage: bash bench/gpu_suite.sh OUTDIR
# About 8 minutes on one H200 (each variant is its own process, capped by --timeout).
#  (0) tests/test_gpu.py: cut-cross-entropy's kernel against the chunked path (loss and gradients, fp32 and bf16);
#  (1) ML-25m shape, SASRec, bf16: full CE chunked vs cut-cross-entropy; static shapes (trim=False, no device wait
#      per step) with compile off/on; the sampled softmax (256 negatives, drawn on the GPU);
#  (2) ML-25m shape, BERT4Rec, bf16: chunked vs cut-cross-entropy; full-ranking evaluation of all 162k users;
#  (3) ML-1m shape, SASRec, bf16, full epochs: compile off/on with the fused CE;
#  (4) BERT4Rec's command-line recipe with length-bucketed prefix rows (widths multiples of 16), compile off/on;
#  (5) the command line's recipes (recipe(model): architecture, objective and batches) on the ML-25m shape.
# The machine has no network: when cut_cross_entropy does not import, WHEELS=DIR (a folder carried with the tree,
# holding cut_cross_entropy-*.whl) is installed from with --no-index; Triton comes with CUDA builds of torch. E.g.
#   pip download --no-deps -d .cache/wheels cut-cross-entropy   (here), then the device run carries .cache/wheels:
#   WHEELS=.cache/wheels bash bench/gpu_suite.sh bench/results
set -u
out=${1:-bench/results}; mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"   # the tree's recsys_nb, installed or not
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv || true
py=${PYTHON:-python3}
$py -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0))" || exit 1
if ! $py -c "import cut_cross_entropy" 2>/dev/null && [ -n "${WHEELS:-}" ]; then
    $py -m pip install -q --no-index --no-deps --find-links "$WHEELS" cut-cross-entropy || echo "cut-cross-entropy: install failed"
fi
$py -c "from recsys_nb.models.losses import cce_available as a; print('cut-cross-entropy importable:', a())"
timeout 240 $py -m pytest tests/test_gpu.py -q -rs 2>&1 | tail -5 | tee "$out/test_gpu_cuda.txt"
common=(--device cuda --threads 8 --timeout 170 --bf16 on --max-steps 200 --warmup-steps 30)
$py bench/train_speed.py "${common[@]}" --shape ml-25m --models sasrec --compile off --ce-impl chunked,cce --no-eval \
    --out "$out/train_speed_cuda_ml-25m_sasrec_ce"
$py bench/train_speed.py "${common[@]}" --shape ml-25m --models sasrec --compile off,on --no-trim --ce-impl cce --no-eval \
    --out "$out/train_speed_cuda_ml-25m_sasrec_notrim"
$py bench/train_speed.py "${common[@]}" --shape ml-25m --models sasrec --compile off --loss sampled --n-neg 256 --no-eval \
    --out "$out/train_speed_cuda_ml-25m_sasrec_sampled256"
$py bench/train_speed.py "${common[@]}" --shape ml-25m --models bert4rec --compile off --ce-impl chunked,cce \
    --out "$out/train_speed_cuda_ml-25m_bert4rec_ce"
$py bench/train_speed.py --device cuda --threads 8 --timeout 170 --bf16 on --shape ml-1m --models sasrec --compile off,on \
    --ce-impl auto --no-eval --out "$out/train_speed_cuda_ml-1m_sasrec"
$py bench/train_speed.py "${common[@]}" --max-steps 100 --shape ml-25m --recipe cli --models bert4rec --bucket 100 --round-to 16 \
    --compile off,on --ce-impl auto --no-eval --out "$out/train_speed_cuda_ml-25m_cli_bert4rec_bucket"
$py bench/train_speed.py "${common[@]}" --max-steps 100 --shape ml-25m --recipe cli --compile off --ce-impl auto --no-eval \
    --out "$out/train_speed_cuda_ml-25m_cli"
