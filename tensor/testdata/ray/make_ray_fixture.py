"""Writes a Parquet file with Ray Data itself (a fixed-shape and a ragged tensor column), for
sluice's interop test. Run with the peers venv: bench/peers/.venv/bin/python make_ray_fixture.py
"""
import glob, os, shutil, sys
import numpy as np
import ray

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ray_write")
shutil.rmtree(out, ignore_errors=True)
ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
items = [{"id": i, "fixed": np.arange(6, dtype=np.float32).reshape(2, 3) + i,
          "ragged": np.full((i + 1, 2), i, dtype=np.int64)} for i in range(4)]
ray.data.from_items(items).repartition(1).write_parquet(out)
files = glob.glob(os.path.join(out, "*.parquet"))
assert len(files) == 1, files
os.rename(files[0], os.path.join(os.path.dirname(out), "ray_tensors.parquet"))
shutil.rmtree(out)
print("ray", ray.__version__, "wrote ray_tensors.parquet")
