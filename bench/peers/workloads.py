"""Peer side of the side-by-side benchmarks (issue 8).

Each workload is written the way the peer's own documentation writes it, and prints one
JSON line with the same fields as bench/cmd/workloads (the sluice side):
{"system", "workload", "rows", "checksum", "seconds", "bytes", "first_batch_s",
"first_batch_from_start_s"}. bench/cmd/report runs both and compares.

    python workloads.py ray w3 --in DIR --out DIR
    python workloads.py ray w5 --in DIR
    python workloads.py ray fib --n 200000 --tasks 2
    python workloads.py loop pi --samples 2000000 --tasks 2
    python workloads.py ray w2 --in DIR                 # seed 000 case 3, Ray tasks
    python workloads.py ray w4 --in DIR --model FILE    # ONNX inference on 2 actors

Systems: ray (Ray Data / Ray Core), loop (plain Python: pyarrow, numpy or PIL in one
process, or the seed's serial loop), daft (W3 only), torch (W1, W5: DataLoader).
"""
import argparse
import json
import math
import os
import random
import sys
import time

SPAWN_NS = int(os.environ.get("BENCH_SPAWN_UNIX_NS", "0") or 0)

# Settings shared with the Go side (bench/cmd/workloads).
TABLES_BATCH_SIZE = 4096
INGEST_BATCH_SIZE = 256
INGEST_SHUFFLE_ROWS = 10_000
INGEST_SEED = 42


def since_spawn():
    return (time.time_ns() - SPAWN_NS) / 1e9 if SPAWN_NS else None


def transform_table(batch):
    """W3's batch function: x -> 2x+1, z = x+y (new), emb -> emb/2 (numpy batch format)."""
    x = batch["x"]
    batch["z"] = x + batch["y"]
    batch["x"] = 2 * x + 1
    batch["emb"] = batch["emb"] / 2
    return batch


def ray_init():
    import ray

    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, logging_level="ERROR",
             log_to_driver=False)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    return ray


# ---- W3 tables -------------------------------------------------------------------------
def w3_ray(args):
    ray = ray_init()
    start = time.perf_counter()
    ds = ray.data.read_parquet(args.input)
    ds = ds.map_batches(transform_table, batch_size=TABLES_BATCH_SIZE, batch_format="numpy")
    ds.write_parquet(args.out)
    return {"seconds": time.perf_counter() - start}


def w3_loop(args):
    """A plain pyarrow + numpy loop: each file, each batch, transform, write one file each."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    start = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    for i, name in enumerate(sorted(os.listdir(args.input))):
        if not name.endswith(".parquet"):
            continue
        f = pq.ParquetFile(os.path.join(args.input, name))
        writer = None
        for rb in f.iter_batches(batch_size=TABLES_BATCH_SIZE):
            emb = rb.column("emb")
            shape = emb.type.shape
            batch = {
                "id": rb.column("id").to_numpy(),
                "x": rb.column("x").to_numpy(),
                "y": rb.column("y").to_numpy(),
                "emb": emb.to_numpy_ndarray(),
            }
            out = transform_table(batch)
            n = len(out["id"])
            flat = pa.array(np.ascontiguousarray(out["emb"], dtype=np.float32).reshape(-1))
            storage = pa.FixedSizeListArray.from_arrays(flat, int(np.prod(shape)))
            cols = {k: pa.array(v) for k, v in out.items() if k != "emb"}
            cols["emb"] = pa.ExtensionArray.from_storage(emb.type, storage)
            table = pa.table(cols)
            if writer is None:
                writer = pq.ParquetWriter(os.path.join(args.out, f"part_{i:06d}.parquet"), table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    return {"seconds": time.perf_counter() - start}


def w3_daft(args):
    import daft
    import numpy as np
    import pyarrow as pa

    start = time.perf_counter()
    df = daft.read_parquet(args.input)
    df = df.with_columns({
        "z": df["x"] + df["y"],
        "x": df["x"] * 2 + 1,
    })

    # A batch function returning Arrow: returning a numpy array for a tensor column took
    # 50 s here (per-row conversion) against 3 s this way.
    @daft.func.batch(return_dtype=daft.DataType.tensor(daft.DataType.float32(), (32,)))
    def halve(emb):
        arr = emb.to_arrow()
        half = arr.to_numpy_ndarray() / np.float32(2)
        storage = pa.FixedSizeListArray.from_arrays(pa.array(half.reshape(-1)), half.shape[1])
        return daft.Series.from_arrow(pa.ExtensionArray.from_storage(arr.type, storage))

    df = df.with_column("emb", halve(df["emb"]))
    df.write_parquet(args.out)
    return {"seconds": time.perf_counter() - start}


# ---- W5 training ingest (and W6 time to first batch) ------------------------------------
def consume_batches(batches):
    import numpy as np

    res = {"rows": 0, "bytes": 0}
    labels = 0
    emb = 0.0
    start = time.perf_counter()
    for b in batches:
        if res["rows"] == 0:
            res["first_batch_s"] = time.perf_counter() - start
            s = since_spawn()
            if s is not None:
                res["first_batch_from_start_s"] = s
        lab, e = b["label"], b["emb"]
        labels += int(lab.sum())
        emb += float(e.sum(dtype=np.float64))
        res["rows"] += len(lab)
        res["bytes"] += lab.nbytes + e.nbytes
    res["seconds"] = time.perf_counter() - start
    res["checksum"] = {"label": float(labels), "emb": emb}
    return res


def w5_ray(args):
    ray = ray_init()
    ds = ray.data.read_parquet(args.input)
    return consume_batches(ds.iter_batches(batch_size=INGEST_BATCH_SIZE, batch_format="numpy",
                                           local_shuffle_buffer_size=INGEST_SHUFFLE_ROWS,
                                           local_shuffle_seed=INGEST_SEED))


def w5_loop_batches(path):
    """A plain loop with a local shuffle buffer: fill to the buffer size, shuffle, emit
    batches from the front, keep the rest (what Ray's local shuffle does)."""
    import numpy as np
    import pyarrow.parquet as pq

    rng = np.random.default_rng(INGEST_SEED)
    buf_l, buf_e = [], []
    have = 0

    def drain(final):
        nonlocal buf_l, buf_e, have
        lab = np.concatenate(buf_l)
        emb = np.concatenate(buf_e)
        perm = rng.permutation(len(lab))
        lab, emb = lab[perm], emb[perm]
        # Keep the buffer at INGEST_SHUFFLE_ROWS rows; at the end, emit everything.
        cut = len(lab) if final else (len(lab) - INGEST_SHUFFLE_ROWS) // INGEST_BATCH_SIZE * INGEST_BATCH_SIZE
        for i in range(0, cut, INGEST_BATCH_SIZE):
            yield {"label": lab[i:min(i + INGEST_BATCH_SIZE, cut)], "emb": emb[i:min(i + INGEST_BATCH_SIZE, cut)]}
        buf_l, buf_e = [lab[cut:]], [emb[cut:]]
        have = len(lab) - cut

    for name in sorted(os.listdir(path)):
        if not name.endswith(".parquet"):
            continue
        for rb in pq.ParquetFile(os.path.join(path, name)).iter_batches(batch_size=8192):
            buf_l.append(rb.column("label").to_numpy())
            buf_e.append(rb.column("emb").to_numpy_ndarray())
            have += rb.num_rows
            if have >= INGEST_SHUFFLE_ROWS + 8 * INGEST_BATCH_SIZE:
                yield from drain(False)
    if have:
        yield from drain(True)


def w5_loop(args):
    return consume_batches(w5_loop_batches(args.input))


def w5_torch(args):
    """The PyTorch way: an IterableDataset over the Parquet files (pyarrow), each worker
    reading its share of the files and shuffling through a buffer of INGEST_SHUFFLE_ROWS
    samples (torchdata's Shuffler), a DataLoader with one worker per core collating
    batches of INGEST_BATCH_SIZE."""
    import numpy as np
    import pyarrow.parquet as pq
    import torch
    from torch.utils.data import DataLoader, IterableDataset, get_worker_info

    torch.set_num_threads(1)
    files = sorted(os.path.join(args.input, f) for f in os.listdir(args.input) if f.endswith(".parquet"))

    class ParquetSamples(IterableDataset):
        def __init__(self, files, buffer_size, seed):
            self.files, self.buffer_size, self.seed = files, buffer_size, seed

        def samples(self, files):
            for f in files:
                for rb in pq.ParquetFile(f).iter_batches(batch_size=8192):
                    lab = rb.column("label").to_numpy()
                    emb = rb.column("emb").to_numpy_ndarray()
                    yield from zip(lab, emb)

        def __iter__(self):
            info = get_worker_info()
            wid, nw = (info.id, info.num_workers) if info else (0, 1)
            rng = random.Random(self.seed + wid)
            buf = []
            for s in self.samples(self.files[wid::nw]):
                if len(buf) < self.buffer_size:
                    buf.append(s)
                    continue
                i = rng.randrange(self.buffer_size)
                yield buf[i]
                buf[i] = s
            rng.shuffle(buf)
            yield from buf

    loader = DataLoader(ParquetSamples(files, INGEST_SHUFFLE_ROWS, INGEST_SEED),
                        batch_size=INGEST_BATCH_SIZE, num_workers=os.cpu_count())
    return consume_batches({"label": lab.numpy(), "emb": emb.numpy()} for lab, emb in loader)


# ---- W1 images ---------------------------------------------------------------------------
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
IMAGES_BATCH_SIZE = 64


def normalize_images(batch):
    """ToTensor + Normalize on a numpy batch: HWC uint8 -> CHW float32."""
    import numpy as np

    x = batch["image"].astype(np.float32) / np.float32(255)
    x = (x - np.asarray(IMAGENET_MEAN, dtype=np.float32)) / np.asarray(IMAGENET_STD, dtype=np.float32)
    batch["image"] = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return batch


def consume_images(batches):
    import numpy as np

    res = {"rows": 0, "bytes": 0}
    total = total_abs = 0.0
    n = 0
    start = time.perf_counter()
    for b in batches:
        if res["rows"] == 0:
            res["first_batch_s"] = time.perf_counter() - start
            s = since_spawn()
            if s is not None:
                res["first_batch_from_start_s"] = s
        img = np.asarray(b["image"])
        total += float(img.sum(dtype=np.float64))
        total_abs += float(np.abs(img).sum(dtype=np.float64))
        n += img.size
        res["rows"] += img.shape[0]
        res["bytes"] += img.nbytes
    res["seconds"] = time.perf_counter() - start
    res["checksum"] = {"mean": total / n, "mean_abs": total_abs / n} if n else {}
    return res


def w1_ray(args):
    ray = ray_init()
    ds = ray.data.read_images(args.input, size=(224, 224), mode="RGB")
    ds = ds.map_batches(normalize_images, batch_format="numpy")
    return consume_images(ds.iter_batches(batch_size=IMAGES_BATCH_SIZE, batch_format="numpy"))


def image_paths(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.lower().endswith((".jpg", ".jpeg", ".png")))


def w1_torch(args):
    """The PyTorch way: a map-style Dataset over the files, torchvision transforms, a
    DataLoader with one worker per core."""
    import torch
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset
    from torchvision import transforms as T

    torch.set_num_threads(1)
    tf = T.Compose([T.Resize((224, 224), interpolation=T.InterpolationMode.BILINEAR), T.ToTensor(),
                    T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])

    class Files(Dataset):
        def __init__(self, paths):
            self.paths = paths

        def __len__(self):
            return len(self.paths)

        def __getitem__(self, i):
            with Image.open(self.paths[i]) as img:
                return tf(img.convert("RGB"))

    loader = DataLoader(Files(image_paths(args.input)), batch_size=IMAGES_BATCH_SIZE,
                        num_workers=os.cpu_count())
    return consume_images({"image": b.numpy()} for b in loader)


def w1_loop(args):
    """A plain PIL + numpy loop on one core."""
    import numpy as np
    from PIL import Image

    def batches():
        paths = image_paths(args.input)
        for i in range(0, len(paths), IMAGES_BATCH_SIZE):
            imgs = []
            for p in paths[i:i + IMAGES_BATCH_SIZE]:
                with Image.open(p) as img:
                    imgs.append(np.asarray(img.convert("RGB").resize((224, 224), Image.BILINEAR)))
            yield normalize_images({"image": np.stack(imgs)})

    return consume_images(batches())


# ---- W2 large photos: seed 000 case 3 ------------------------------------------------------
THUMB_SIZE = (64, 64)


def transform_image(orig_img):
    """The seed's transform_image (torchvision transforms, uint8 tensor arithmetic, a
    thumbnail) on an image already fetched (fetch_image=False); returns the PIL sizes
    before and after."""
    import numpy as np
    import torch
    from torchvision import transforms as T

    before_shape = orig_img.size
    gray_img = T.Grayscale()(orig_img)
    cropper = T.RandomCrop(size=(224, 224))
    crops = [cropper(orig_img) for _ in range(4)]
    augmentor = T.TrivialAugmentWide(num_magnitude_bins=31)
    augmented_img = augmentor(orig_img)
    tensor = torch.tensor(np.asarray(augmented_img))
    t_tensor = torch.transpose(tensor, 0, 1)
    random.seed(42)
    for _ in range(3):
        tensor.pow(3).sum()
        t_tensor.pow(3).sum()
        torch.mul(tensor, random.randint(2, 10))
        torch.mul(t_tensor, random.randint(2, 10))
        torch.mul(tensor, tensor)
        torch.mul(t_tensor, t_tensor)
    augmented_img.thumbnail(THUMB_SIZE)
    del gray_img, crops
    return before_shape, augmented_img.size


def photo_result(shapes, secs):
    sums = {"before_w": 0.0, "before_h": 0.0, "after_w": 0.0, "after_h": 0.0}
    for (bw, bh), (aw, ah) in shapes:
        sums["before_w"] += bw
        sums["before_h"] += bh
        sums["after_w"] += aw
        sums["after_h"] += ah
    return {"rows": len(shapes), "seconds": secs, "checksum": sums}


def w2_ray(args):
    """The seed's run_distributed: every photo opened with PIL and put in the object store
    (insert_into_object_store: pickling decodes it, in the driver), then one remote
    transform_image task per photo, gathered with ray.get. Both phases are timed, as
    sluice's time includes reading and decoding."""
    from PIL import Image

    ray = ray_init()

    @ray.remote
    def augment_image_distributed(image_ref, fetch_image):
        return transform_image(image_ref if not fetch_image else ray.get(image_ref))

    start = time.perf_counter()
    refs = [ray.put(Image.open(p)) for p in image_paths(args.input)]
    put = time.perf_counter() - start
    shapes = ray.get([augment_image_distributed.remote(img, False) for img in refs])
    secs = time.perf_counter() - start
    print(f"w2 ray: insert_into_object_store {put:.2f} s, tasks {secs - put:.2f} s", file=sys.stderr)
    return photo_result(shapes, secs)


def w2_loop(args):
    """The seed's run_serially: open each photo and transform it, one after the other."""
    from PIL import Image

    start = time.perf_counter()
    shapes = []
    for p in image_paths(args.input):
        with Image.open(p) as img:
            shapes.append(transform_image(img))
    return photo_result(shapes, time.perf_counter() - start)


# ---- W4 batch inference ------------------------------------------------------------------
INFERENCE_BATCH_SIZE = 64
INFERENCE_ACTORS = 2


class OnnxPredictor:
    """A Ray Data predictor class: the ONNX model loaded once per actor, one intra-op thread
    (the actor pool is the parallelism, as on the sluice side)."""

    def __init__(self, model):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])

    def __call__(self, batch):
        (probs,) = self.session.run(["probs"], {"image": batch["image"]})
        return {"probs": probs}


def w4_ray(args):
    import numpy as np

    ray = ray_init()
    ds = ray.data.read_images(args.input, size=(224, 224), mode="RGB")
    ds = ds.map_batches(normalize_images, batch_format="numpy")
    # num_cpus=0.5: with Ray's default of one CPU per actor, the two actors hold both CPUs of
    # this machine, the read tasks never get one, and the run hangs (seen: 10 minutes).
    ds = ds.map_batches(OnnxPredictor, fn_constructor_args=(args.model,), batch_size=INFERENCE_BATCH_SIZE,
                        compute=ray.data.ActorPoolStrategy(size=INFERENCE_ACTORS), num_cpus=0.5,
                        batch_format="numpy")
    res = {"rows": 0}
    counts = None
    start = time.perf_counter()
    for b in ds.iter_batches(batch_size=INFERENCE_BATCH_SIZE, batch_format="numpy"):
        if res["rows"] == 0:
            res["first_batch_s"] = time.perf_counter() - start
            s = since_spawn()
            if s is not None:
                res["first_batch_from_start_s"] = s
        probs = b["probs"]
        if counts is None:
            counts = np.zeros(probs.shape[1], dtype=np.int64)
        counts += np.bincount(probs.argmax(axis=1), minlength=probs.shape[1])
        res["rows"] += len(probs)
    res["seconds"] = time.perf_counter() - start
    res["checksum"] = {f"class_{k}": float(c) for k, c in enumerate(counts if counts is not None else [])}
    return res


# ---- W8 seed 000 tasks ------------------------------------------------------------------
def generate_fibonacci(sequence_size):
    """The seed's generate_fibonacci, returning (length, bit length of the last) so the
    outputs can be compared."""
    fibonacci = []
    for i in range(0, sequence_size):
        if i < 2:
            fibonacci.append(i)
            continue
        fibonacci.append(fibonacci[i - 1] + fibonacci[i - 2])
    return len(fibonacci), (fibonacci[-1].bit_length() if fibonacci else 0)


def sampling_task(num_samples, task_id):
    """The seed's sampling_task."""
    random.seed(task_id)
    num_inside = 0
    for _ in range(num_samples):
        x, y = random.uniform(-1, 1), random.uniform(-1, 1)
        if math.hypot(x, y) <= 1:
            num_inside += 1
    return num_inside


def run_calls(system, fn, calls):
    if system == "ray":
        ray = ray_init()
        remote = ray.remote(fn)
        start = time.perf_counter()
        out = ray.get([remote.remote(*c) for c in calls])
    else:
        start = time.perf_counter()
        out = [fn(*c) for c in calls]
    return out, time.perf_counter() - start


def fib(args):
    out, secs = run_calls(args.system, generate_fibonacci, [(args.n,)] * args.tasks)
    return {"rows": len(out), "seconds": secs,
            "checksum": {"length": float(sum(o[0] for o in out)), "bits": float(sum(o[1] for o in out))}}


def pi(args):
    out, secs = run_calls(args.system, sampling_task, [(args.samples, i + 1) for i in range(args.tasks)])
    est = sum(out) * 4 / (args.samples * args.tasks)
    return {"rows": len(out), "seconds": secs, "checksum": {"pi2": round(est, 2)}}


WORKLOADS = {
    ("ray", "w3"): w3_ray, ("loop", "w3"): w3_loop, ("daft", "w3"): w3_daft,
    ("ray", "w5"): w5_ray, ("loop", "w5"): w5_loop, ("torch", "w5"): w5_torch,
    ("ray", "w2"): w2_ray, ("loop", "w2"): w2_loop,
    ("ray", "w4"): w4_ray,
    ("ray", "w1"): w1_ray, ("torch", "w1"): w1_torch, ("loop", "w1"): w1_loop,
    ("ray", "fib"): fib, ("loop", "fib"): fib,
    ("ray", "pi"): pi, ("loop", "pi"): pi,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("system")
    p.add_argument("workload")
    p.add_argument("--in", dest="input")
    p.add_argument("--out")
    p.add_argument("--model", default="testdata/models/tiny_cnn.onnx")
    p.add_argument("--n", type=int, default=200_000)
    p.add_argument("--samples", type=int, default=10_000_000)
    p.add_argument("--tasks", type=int, default=os.cpu_count())
    args = p.parse_args()
    fn = WORKLOADS.get((args.system, args.workload))
    if fn is None:
        sys.exit(f"workloads.py: no workload {args.workload} for {args.system}")
    res = {"system": args.system, "workload": args.workload, "rows": 0, "checksum": None}
    res.update(fn(args))
    print(json.dumps(res), flush=True)
    if args.system == "ray":
        import ray
        ray.shutdown()


if __name__ == "__main__":
    main()
