#!/usr/bin/env bash
# The GPU rows of the Benchmarks page in one call, most important first, each group writing its own JSON/Markdown
# as soon as it ends (so a run cut short still leaves the groups that finished). Usage: bash bench/gpu_suite.sh OUTDIR
# Groups: (1) ML-1m shape, bf16, compile off/on, full epochs, eval; (2) ML-25m shape, bf16, compile off/on, 200 timed
# steps per epoch (extrapolated), eval of all 162k users; (3) both shapes in fp32, compile off, 200 steps, no eval.
set -u
out=${1:-bench/results}; mkdir -p "$out"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv || true
py=${PYTHON:-python3}
$py -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0))" || exit 1
common=(--device cuda --threads 8 --timeout 170)
$py bench/train_speed.py "${common[@]}" --shape ml-1m --bf16 on --compile off,on --out "$out/train_speed_cuda_ml-1m_bf16"
$py bench/train_speed.py "${common[@]}" --shape ml-25m --bf16 on --compile off,on --max-steps 200 --warmup-steps 30 \
    --out "$out/train_speed_cuda_ml-25m_bf16"
$py bench/train_speed.py "${common[@]}" --shape all --bf16 off --compile off --max-steps 200 --warmup-steps 30 --no-eval \
    --out "$out/train_speed_cuda_fp32"
