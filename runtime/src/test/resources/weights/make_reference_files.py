"""Writes the reference weight files used by TensorFilesReferenceTest (numpy only, no safetensors)."""
import json
import struct

import numpy as np

conv = (np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2) / 8 - 1).astype(np.float32)
half = np.array([1.0, -2.5, 65504.0, 2.0**-24, -0.0, np.inf, -np.inf], dtype=np.float16)
double = np.array([[0.1, -1e-3], [12345.678, 3.0]], dtype=np.float64)
scalar = np.array(7.5, dtype=np.float32)
empty = np.zeros((0, 4), dtype=np.float32)
big_endian = np.array([1.5, -2.0, 1e-8], dtype=">f4")
steps = np.array(42, dtype=np.int64)

arrays = {
    "conv1.weight": conv,
    "bn1.num_batches_tracked": steps,
    "half": half,
    "double": double,
    "scalar": scalar,
    "empty": empty,
    "big_endian": big_endian,
}
np.savez("reference.npz", **arrays)
np.savez_compressed("reference_compressed.npz", **arrays)
np.save("reference.npy", conv)


def save_safetensors(path, tensors, metadata):
    """A minimal safetensors writer: u64 LE header size, JSON header, then the byte buffer."""
    header, chunks, offset = {"__metadata__": metadata}, [], 0
    for name, (dtype, array) in tensors.items():
        data = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


bf16 = (np.array([1.0, -3.0, 0.15625, 1e30], dtype="<f4").view("<u4") >> 16).astype("<u2")
save_safetensors("reference.safetensors", {
    "conv1.weight": ("F32", conv.astype("<f4")),
    "bn1.num_batches_tracked": ("I64", steps.astype("<i8")),
    "half": ("F16", half.astype("<f2")),
    "bfloat": ("BF16", bf16),
    "double": ("F64", double.astype("<f8")),
    "scalar": ("F32", scalar.astype("<f4")),
    "empty": ("F32", empty.astype("<f4")),
}, {"format": "pt", "note": "caf\u00e9 \"quoted\""})
