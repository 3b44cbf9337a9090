"""Grid search for the ConSE pack (build time; needs torch). Computes classifier logits and class-name embeddings
once, then scores variant x templates x lemmas x k x T with bench/eval_quality.metrics, using the int8 text
model of an already built pack for the queries (and the fp32 torch text model for comparison).

    python models/tune_basic.py lite0,lite1,lite2 models/basic
"""

# ruff: noqa: E402
import os
import sys
import tempfile
from pathlib import Path

R = Path(__file__).resolve().parents[1]
for d in ("models", "src", "bench"):
    sys.path.insert(0, str(R / d))
import build_basic as b
import eval_quality as ev
import numpy as np
import torch
from PIL import Image

from photoseek.core.imaging.preprocess import PreprocessConfig, to_model_input
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import ModelPack

torch.set_num_threads(2)
names = sorted(p.stem for p in ev.PHOTOS.glob("*.jpg"))
ims = [Image.open(ev.PHOTOS / f"{n}.jpg").convert("RGB") for n in names]
cps = [ev.edited(ims[names.index(n)], i) for i, n in enumerate(ev.NEAR_DUP)]
cache = os.path.join(tempfile.gettempdir(), "tune_basic_cache.npz")
C = dict(np.load(cache)) if os.path.exists(cache) else {}
tm, mdir = b.load_minilm()
tok = b.make_tokenizer(mdir)
for lem in [1, 3]:
    wn, cn = b.imagenet_class_names(lem)
    for ts in ["plain", "photo", "photo5", "mixed"]:
        key = f"E_{ts}_{lem}"
        if key not in C:
            C[key] = b.class_embeddings(tm, tok, cn, b.TEMPLATE_SETS[ts])
            np.savez(cache, **C)
for var in sys.argv[1].split(","):
    key = f"L_{var}"
    if key in C:
        continue
    net = b.load_classifier(var)
    res = b.VARIANTS[var][1]
    cfg = PreprocessConfig.from_dict(dict(size=res, mean=b.LITE_MEAN, std=b.LITE_STD, interpolation="bicubic"))
    x = torch.from_numpy(np.stack([to_model_input(i, cfg) for i in ims + cps]))
    with torch.no_grad():
        C[key] = net(x).numpy()
    np.savez(cache, **C)
emb = Embedder(ModelPack.load(sys.argv[2]))
txt = emb.embed_texts(list(ev.QUERIES))
txt32 = b.embed_texts_torch(tm, tok, list(ev.QUERIES)).astype(np.float32)


def conse(L, E, k, T):
    z = L / T
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    idx = np.argsort(-p, 1)[:, :k]
    w = np.take_along_axis(p, idx, 1)
    w /= w.sum(1, keepdims=True)
    e = (w[:, :, None] * E[idx]).sum(1)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


rows = []
for var in sys.argv[1].split(","):
    for key in [k for k in C if k.startswith("E_")]:
        for k in [1, 3, 5, 10, 20]:
            for T in [0.5, 1, 2, 3]:
                if k == 1 and T != 1:
                    continue
                e = conse(C[f"L_{var}"], C[key], k, T)
                n = len(names)
                m = ev.metrics(names, e[:n], e[n:], txt)
                m32 = ev.metrics(names, e[:n], e[n:], txt32)
                rows.append(
                    (var, key, k, T, *[m[x][0] for x in m], m32["text->image top-1"][0], m32["text->image top-3"][0])
                )
rows.sort(key=lambda r: (-(r[4] + r[5]), -(r[6] + r[7])))
print("variant templates_lemmas k T | top1 top3 dup cat (of 42,42,8,18) | fp32-text top1 top3")
for r in rows[: int(sys.argv[3]) if len(sys.argv) > 3 else 40]:
    print(*r)
