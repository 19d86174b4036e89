#!/usr/bin/env bash
# install.sh builds the peer environment for the side-by-side benchmarks (issue 8):
# a virtualenv at bench/peers/.venv with pinned Ray Data, pyarrow, pandas, numpy, Pillow,
# PyTorch + torchvision, Daft, and (for the relational and expression workloads R1-R4, E1)
# Polars and DuckDB. Each peer is installed on its own so that one that fails
# leaves the others usable; the failure is written to .venv/peer-status/<peer>.err and the
# report prints it instead of dropping the peer.
#
#   bash bench/peers/install.sh            # everything
#   PEERS="ray torch" bash bench/peers/install.sh
#
# Versions are pinned here and printed by `go run ./bench/cmd/report` in every report.
set -u
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
status="$venv/peer-status"

RAY_VERSION=2.60.0
PYARROW_VERSION=26.0.1
PANDAS_VERSION=3.1.1
NUMPY_VERSION=2.4.6
PILLOW_VERSION=13.0.0
TORCH_VERSION=2.15.0
TORCHVISION_VERSION=0.29.2
DAFT_VERSION=0.7.26
POLARS_VERSION=2.1.0
DUCKDB_VERSION=2.0.0
PEERS=${PEERS:-"base ray torch daft polars duckdb"}

py=${PYTHON:-}
if [ -z "$py" ]; then
  for c in python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1; then py=$c; break; fi
  done
fi
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv" || { echo "install.sh: cannot create venv with $py" >&2; exit 1; }
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
fi
mkdir -p "$status"
pip() { "${DAFT_PY:-$venv/bin/python}" -m pip install --progress-bar off "$@"; }

# install NAME CHECK PIP-ARGS...: runs pip, then the import check; records ok or the error.
install() {
  local name=$1 check=$2; shift 2
  echo "== $name: pip install $*"
  rm -f "$status/$name.ok" "$status/$name.err"
  local python=${DAFT_PY:-$venv/bin/python}
  if pip "$@" >"$status/$name.log" 2>&1 && "$python" -c "$check" >>"$status/$name.log" 2>&1; then
    "$python" -c "$check" >"$status/$name.ok" 2>&1
    echo "   ok: $(cat "$status/$name.ok")"
  else
    tail -n 20 "$status/$name.log" >"$status/$name.err"
    echo "   FAILED (see $status/$name.err):"; tail -n 3 "$status/$name.err" | sed 's/^/   /'
  fi
}

for p in $PEERS; do
  case $p in
  base) install base "import numpy, pyarrow, pandas, PIL; print('numpy', numpy.__version__, 'pyarrow', pyarrow.__version__, 'pandas', pandas.__version__, 'pillow', PIL.__version__)" \
          "numpy==$NUMPY_VERSION" "pyarrow==$PYARROW_VERSION" "pandas==$PANDAS_VERSION" "pillow==$PILLOW_VERSION" ;;
  ray) install ray "import ray, ray.data; print('ray', ray.__version__)" \
          "ray[data]==$RAY_VERSION" "numpy==$NUMPY_VERSION" "pyarrow==$PYARROW_VERSION" "pandas==$PANDAS_VERSION" "onnxruntime==1.30.0" ;;
  # PyPI's Linux torch wheel brings the CUDA libraries (several GB); the CPU index is not
  # reachable from this machine, so that is what is installed. If it fails, Debian's
  # python3-torch (1.13) is the documented fallback; see bench/README.md.
  torch) install torch "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__)" \
          "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" "numpy==$NUMPY_VERSION" "pillow==$PILLOW_VERSION" ;;
  # Daft 0.7.26 wants pyarrow<26, so it gets its own environment inside .venv (daft/), run
  # by the report with .venv/daft/bin/python.
  daft)
    if [ ! -x "$venv/daft/bin/python" ]; then "$py" -m venv "$venv/daft"; fi
    DAFT_PY="$venv/daft/bin/python" install daft "import daft, pyarrow; print('daft', daft.__version__, 'pyarrow', pyarrow.__version__)" \
          "daft==$DAFT_VERSION" "numpy==$NUMPY_VERSION" ;;
  # Polars and DuckDB read the same Parquet files as everyone else (R1-R4, E1) and hand their
  # results over as Arrow tables, so they share the main venv's pyarrow.
  polars) install polars "import polars; print('polars', polars.__version__)" \
          "polars==$POLARS_VERSION" "pyarrow==$PYARROW_VERSION" ;;
  duckdb) install duckdb "import duckdb; print('duckdb', duckdb.__version__)" \
          "duckdb==$DUCKDB_VERSION" "pyarrow==$PYARROW_VERSION" ;;
  *) echo "install.sh: unknown peer $p" >&2 ;;
  esac
done
