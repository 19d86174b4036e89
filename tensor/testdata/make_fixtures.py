"""Writes the interop fixtures read by tensor/interop_test.go.

Run from this directory with numpy and pyarrow installed:
    python3 make_fixtures.py
Every value is a simple function of its position so the Go test can check each one.
"""
import numpy as np
import pyarrow as pa

# .npy files: version 1.0, version 3.0, big-endian, Fortran order, bool, float16, 1-d.
a = np.arange(24, dtype="<f4").reshape(2, 3, 4)
np.save("v1_f4_2x3x4.npy", a)
with open("v3_i2_2x3x4.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(24, dtype="<i2").reshape(2, 3, 4), version=(3, 0))
np.save("be_f8_2x3x4.npy", np.arange(24, dtype=">f8").reshape(2, 3, 4))
np.save("be_i4_2x3x4.npy", np.arange(24, dtype=">i4").reshape(2, 3, 4))
np.save("fortran_u2_2x3x4.npy", np.asfortranarray(np.arange(24, dtype="<u2").reshape(2, 3, 4)))
np.save("bool_5x3.npy", (np.arange(15) % 3 == 0).reshape(5, 3))
np.save("f2_4x2.npy", np.arange(8, dtype="<f2").reshape(4, 2))
np.save("u8_1d.npy", np.arange(7, dtype="<u8"))
np.save("object.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
np.save("structured.npy", np.zeros(3, dtype=[("x", "<i4"), ("y", "<f8")]))

# Arrow IPC file with canonical fixed-shape tensor columns.
n = 4
img = np.arange(n * 2 * 3, dtype=np.float32).reshape(n, 2, 3)
lab = np.arange(n * 4, dtype=np.uint8).reshape(n, 4)
img_t = pa.fixed_shape_tensor(pa.float32(), [2, 3], dim_names=["H", "W"])
lab_t = pa.fixed_shape_tensor(pa.uint8(), [4])
perm_t = pa.fixed_shape_tensor(pa.int64(), [2, 3], permutation=[1, 0])
perm = np.arange(n * 6, dtype=np.int64)
table = pa.table({
    "image": pa.ExtensionArray.from_storage(img_t, pa.FixedSizeListArray.from_arrays(pa.array(img.ravel()), 6)),
    "label": pa.ExtensionArray.from_storage(lab_t, pa.FixedSizeListArray.from_arrays(pa.array(lab.ravel()), 4)),
    "perm": pa.ExtensionArray.from_storage(perm_t, pa.FixedSizeListArray.from_arrays(pa.array(perm), 6)),
})
with pa.OSFile("fixed_shape_tensor.arrow", "wb") as sink:
    with pa.ipc.new_file(sink, table.schema) as w:
        w.write_table(table)

# Ray Data's tensor types, declared here exactly as ray/air/util/tensor_extensions/arrow.py
# serializes them (legacy JSON format: the shape list, or ndim), so the fixtures do not need
# Ray itself. ray_pickled.arrow carries the pickle metadata Ray 2.49-2.54 wrote by default.
import json
import pickle


class _RayFixed(pa.ExtensionType):
    def __init__(self, name, storage, shape, pickled=False):
        self._shape, self._pickled = tuple(shape), pickled
        super().__init__(storage, name)

    def __arrow_ext_serialize__(self):
        return pickle.dumps(self._shape) if self._pickled else json.dumps(self._shape).encode()

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type, serialized):
        raise NotImplementedError


class _RayVariable(pa.ExtensionType):
    def __init__(self, dtype, ndim):
        self._ndim = ndim
        super().__init__(
            pa.struct([("data", pa.large_list(dtype)), ("shape", pa.list_(pa.int64()))]),
            "ray.data.arrow_variable_shaped_tensor",
        )

    def __arrow_ext_serialize__(self):
        return json.dumps(self._ndim).encode()

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type, serialized):
        raise NotImplementedError


def _ray_fixed(name, large, values, shape, pickled=False):
    per = int(np.prod(shape))
    offsets = np.arange(len(values) // per + 1) * per
    lst = (pa.LargeListArray if large else pa.ListArray).from_arrays(pa.array(offsets, pa.int64() if large else pa.int32()), pa.array(values))
    t = _RayFixed(name, lst.type, shape, pickled)
    return pa.ExtensionArray.from_storage(t, lst)


v1 = _ray_fixed("ray.data.arrow_tensor", False, np.arange(12, dtype=np.float32), (2, 3))
v2 = _ray_fixed("ray.data.arrow_tensor_v2", True, np.arange(12, dtype=np.int16), (3, 2))
rows = [np.arange(6, dtype=np.uint8).reshape(2, 3), np.arange(6, 10, dtype=np.uint8).reshape(4, 1)]
var_storage = pa.StructArray.from_arrays(
    [pa.LargeListArray.from_arrays(pa.array([0, 6, 10], pa.int64()), pa.array(np.concatenate([r.ravel() for r in rows]))),
     pa.array([list(r.shape) for r in rows], pa.list_(pa.int64()))],
    ["data", "shape"],
)
var = pa.ExtensionArray.from_storage(_RayVariable(pa.uint8(), 2), var_storage)
ray_table = pa.table({"v1": v1, "v2": v2, "var": var})
with pa.OSFile("ray_tensor.arrow", "wb") as sink:
    with pa.ipc.new_file(sink, ray_table.schema) as w:
        w.write_table(ray_table)

pickled = _ray_fixed("ray.data.arrow_tensor", False, np.arange(6, dtype=np.float32), (2, 3), pickled=True)
with pa.OSFile("ray_pickled.arrow", "wb") as sink:
    t = pa.table({"image": pickled})
    with pa.ipc.new_file(sink, t.schema) as w:
        w.write_table(t)
