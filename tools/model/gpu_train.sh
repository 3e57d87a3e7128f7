#!/usr/bin/env bash
# The one GPU run that trained models/lens-coder (run through the project's device tool, which
# copies the working tree, with tools/model/data carried, and collects $OUT).
#   bash tools/model/gpu_train.sh [BUDGET_SECONDS]
# CPU proof here: OUT=tools/model/work/run-cpu-proof PYTHON=/usr/bin/python3 BATCH=4 bash tools/model/gpu_train.sh 25
# Writes to $OUT: weights.index.json, weights.N.bin (fp16 chunks), train_log.json, train_stdout.log.
set -o pipefail
OUT=${OUT:-tools/model/work/run-gpu}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"${PYTHON:-python3}" -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0))"
PYTHONUNBUFFERED=1 "${PYTHON:-python3}" tools/model/train.py --preset base --data tools/model/data --out "$OUT" \
  --budget-seconds "${1:-360}" --batch-size "${BATCH:-128}" --lr 1.5e-3 --eval-every-seconds 30 --eval-batches 20 \
  2>&1 | tee "$OUT/train_stdout.log"
