#!/usr/bin/env python3
"""Writes the fuzzers' seed inputs: a tiny valid file per reader and variant.

Usage: make-seeds.py CORPUS_DIR  (writes CORPUS_DIR/HARNESS/seed-*)

Small on purpose: the fuzzer mutates them, and the corpus is replayed on
every `make test`.  Only the standard library, so the numbers are written
byte by byte the way each format defines them.
"""
import json
import os
import struct
import sys

ROOT = sys.argv[1]
TOKENS = ["the", "of", "Ġand", "caf\u00e9"]
ROWS = [[0.25 * (r + 1) * (1 if c % 2 else -1) + 0.125 * c for c in range(4)]
        for r in range(len(TOKENS))]


def put(harness, name, data):
    os.makedirs(os.path.join(ROOT, harness), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(ROOT, harness, "seed-" + name), "wb") as f:
        f.write(data)


def f32(values, fmt="<f"):
    return b"".join(struct.pack(fmt, v) for v in values)


def f16(values):
    return b"".join(struct.pack("<e", v) for v in values)


def bf16(values):
    return b"".join(struct.pack("<f", v)[2:] for v in values)


def flat():
    return [v for row in ROWS for v in row]


# Text formats.
glove = "".join(t + " " + " ".join("%g" % v for v in r) + "\n" for t, r in zip(TOKENS, ROWS))
put("glove", "plain", glove)
put("glove", "crlf-exp", "a 1e-3 -2.5E+2\r\nb .5 5.\r\n")
w2v = "%d %d\n" % (len(TOKENS), 4) + glove.replace("\n", " \n")
put("word2vec-text", "header", w2v)
put("word2vec-text", "fasttext", "2 3\nx 1 2 3\ny -1 -2 -3\n")

# word2vec binary: "N D\n", then word, space, D float32, optional newline.
binary = b"%d 4\n" % len(TOKENS)
for i, (t, r) in enumerate(zip(TOKENS, ROWS)):
    binary += t.encode() + b" " + f32(r) + (b"\n" if i % 2 == 0 else b"")
put("word2vec-binary", "mixed-newlines", binary)


# NumPy .npy: magic, version, header length, a dict literal, the data.
def npy(descr, shape, data, fortran=False, version=1):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
        descr, "True" if fortran else "False", "".join("%d, " % s for s in shape))
    size_len = 2 if version == 1 else 4
    total = 6 + 2 + size_len + len(header) + 1
    header += " " * ((-total) % 64) + "\n"
    length = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header.encode("latin-1") + data


values = flat()
put("npy", "f4", npy("<f4", (4, 4), f32(values)))
put("npy", "f2", npy("<f2", (4, 4), f16(values)))
put("npy", "f8-v2", npy("<f8", (4, 4), f32(values, "<d"), version=2))
put("npy", "be-f4", npy(">f4", (4, 4), f32(values, ">f")))
put("npy", "fortran", npy("<f4", (4, 4), f32(values), fortran=True))
put("npy", "v3-1d", npy("<f4", (4,), f32(values[:4]), version=3))

# Projector vectors TSV, with and without a label column.
put("projector-tsv", "numbers", "".join("\t".join("%g" % v for v in r) + "\n" for r in ROWS))
put("projector-tsv", "labelled", "".join(t + "\t" + "\t".join("%g" % v for v in r) + "\n"
                                         for t, r in zip(TOKENS, ROWS)))

# Raw .bytes: the harness reads the column count from the first byte
# (1 + byte % 8), so 0x03 in the lowest mantissa byte makes it 4 columns.
raw = bytearray(f32(values))
raw[0] = 0x03
put("projector-bytes", "4x4", bytes(raw))

# Projector config: the files it names do not exist where the fuzzer runs,
# so this exercises the JSON and the checks before opening them.
put("projector-config", "two", json.dumps({"embeddings": [
    {"tensorName": "words", "tensorShape": [4, 4], "tensorPath": "words.bytes",
     "metadataPath": "words.tsv"},
    {"tensorName": "more", "tensorShape": [2, 8], "tensorPath": "file:///nonexistent/more.bytes"}]}))


# safetensors: u64 LE header length, JSON header, the data.
def safetensors(tensors, metadata=True):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = {"format": "pt"}
    for name, dtype, shape, blob in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((-len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


put("safetensors", "f32", safetensors([("model.embed_tokens.weight", "F32", [4, 4], f32(values)),
                                       ("model.norm.weight", "F32", [4], f32(values[:4]))]))
put("safetensors", "f16", safetensors([("wte.weight", "F16", [4, 4], f16(values))], False))
put("safetensors", "bf16", safetensors([("w", "BF16", [2, 8], bf16(values))]))
put("safetensors", "f64", safetensors([("shared.weight", "F64", [4, 4], f32(values, "<d")),
                                       ("ids", "I64", [2], struct.pack("<qq", 1, 2))]))


# GGUF v3: header, key/values, tensor infos, padding, data.
def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def gguf(kvs, tensors, version=3, alignment=32):
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for key, vtype, payload in kvs:
        out += gstr(key) + struct.pack("<I", vtype) + payload
    data = b""
    for name, dims, ggml_type, blob in tensors:
        data += b"\0" * ((-len(data)) % alignment)
        out += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", ggml_type, len(data))
        data += blob
    out += b"\0" * ((-len(out)) % alignment)
    return out + data


def kv_str(key, value):
    return (key, 8, gstr(value))


def kv_str_array(key, values):
    return (key, 9, struct.pack("<IQ", 8, len(values)) + b"".join(gstr(v) for v in values))


def kv_i32_array(key, values):
    return (key, 9, struct.pack("<IQ", 5, len(values)) + b"".join(struct.pack("<i", v) for v in values))


def q8_0(row):
    # one block of 32: f16 scale, 32 int8
    scale = max(abs(v) for v in row) / 127 or 1.0
    return struct.pack("<e", scale) + bytes((round(v / scale) & 0xff) for v in row)


def q4_0(row):
    # one block of 32: f16 scale, 16 bytes of two 4-bit values (low half first)
    scale = max(abs(v) for v in row) / 8 or 1.0
    q = [min(15, max(0, round(v / scale) + 8)) for v in row]
    return struct.pack("<e", scale) + bytes(q[i] | (q[i + 16] << 4) for i in range(16))


vocab_kvs = [
    ("general.architecture", 8, gstr("llama")),
    ("general.alignment", 4, struct.pack("<I", 32)),
    kv_str("tokenizer.ggml.model", "gpt2"),
    kv_str_array("tokenizer.ggml.tokens", TOKENS),
    kv_i32_array("tokenizer.ggml.token_type", [1, 1, 3, 6]),
]
# ggml lists dims fastest first: ne = [n_embd, n_vocab].
put("gguf", "f32", gguf(vocab_kvs, [("token_embd.weight", [4, 4], 0, f32(values)),
                                    ("output_norm.weight", [4], 0, f32(values[:4]))]))
put("gguf", "f16-v2", gguf(vocab_kvs[:1], [("token_embd.weight", [4, 4], 1, f16(values))], version=2))
put("gguf", "bf16", gguf([], [("token_embd.weight", [4, 4], 30, bf16(values))]))
wide = [[(r - c / 16) / 4 for c in range(32)] for r in range(2)]
put("gguf", "q8_0", gguf([], [("token_embd.weight", [32, 2], 8, b"".join(q8_0(r) for r in wide))]))
put("gguf", "q4_0", gguf([], [("token_embd.weight", [32, 2], 2, b"".join(q4_0(r) for r in wide))]))
spm_kvs = [kv_str("tokenizer.ggml.model", "llama"),
           kv_str_array("tokenizer.ggml.tokens", ["<unk>", "<s>", "\u2581the", "<0x0A>"]),
           kv_i32_array("tokenizer.ggml.token_type", [2, 3, 1, 6])]
put("vocab-gguf", "gpt2", gguf(vocab_kvs, []))
put("vocab-gguf", "spm", gguf(spm_kvs, []))

# Vocabulary files.
put("vocab-lines", "bert", "[PAD]\n[CLS]\r\nthe\n\n##ing\ncaf\u00e9\n")
put("vocab-lines", "bom-no-final-newline", b"\xef\xbb\xbfa\nb\xffc")
put("vocab-metadata", "header", "word\tcount\tclass\nthe\t10\ta\nof\t5\tb\n\n")
put("vocab-metadata", "one-column", "the\nof\nand\n")
put("vocab-encoder", "gpt2", json.dumps({t: i for i, t in enumerate(TOKENS)} | {"<|endoftext|>": 6}))
put("vocab-tokenizer", "bpe", json.dumps({
    "version": "1.0",
    "added_tokens": [{"id": 4, "content": "<|endoftext|>", "special": True},
                     {"id": 6, "content": "<extra>", "special": False}],
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
    "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "vocab": {t: i for i, t in enumerate(TOKENS)},
              "merges": ["Ġ a", "t h"]}}))
put("vocab-tokenizer", "unigram", json.dumps({
    "added_tokens": [],
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Metaspace", "replacement": "\u2581"}]},
    "model": {"type": "Unigram", "vocab": [["<unk>", 0.0], ["\u2581the", -1.5], ["s", -2.0]]}}))
put("vocab-tokenizer", "wordpiece", json.dumps({
    "added_tokens": [{"id": 0, "content": "[PAD]", "special": True}],
    "normalizer": {"type": "BertNormalizer"},
    "model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "the": 1, "##s": 2}}}))

# Detection sees a bit of everything (under its own names, no extension).
for harness in ("glove", "word2vec-text", "word2vec-binary", "npy", "projector-tsv",
                "safetensors", "gguf"):
    folder = os.path.join(ROOT, harness)
    first = sorted(os.listdir(folder))[0]
    with open(os.path.join(folder, first), "rb") as f:
        put("detect", harness + "-" + first[len("seed-"):], f.read())
