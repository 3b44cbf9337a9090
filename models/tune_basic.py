"""Grid search for the ConSE pack on the TUNE halves of both photo sets (build time; needs torch).

The report halves stay unseen: the first thing this script does is seal them (bench/eval_quality.load_set then
refuses them for the rest of the process), so nothing below can score on them. Report numbers come only from
`bench/eval_quality.py` on the built pack.

Classifier feature maps and class-text embeddings are computed once (cached in the temp folder), then
variant x class texts (hypernym / gloss / scene weights) x views x k x T are scored in numpy, mirroring build_basic.ConSE.
Queries are embedded by the int8 text model of an already built pack, as the app does.

    python models/tune_basic.py [--variants lite0,lite2] [--pack models/basic] [--top 30]
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

R = Path(__file__).resolve().parents[1]
for d in ("models", "src", "bench"):
    sys.path.insert(0, str(R / d))
import eval_quality as ev

ev.seal_report_split()  # before anything else: no report half may reach this process

import argparse
import itertools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import build_basic as b
import numpy as np
import torch

from photoseek.core.imaging.preprocess import PreprocessConfig, to_model_input
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import ModelPack

CACHE = Path(tempfile.gettempdir()) / "tune_basic_cache_v2.npz"
SETS = ["bench", "set2"]


def norm(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def class_probs(feats: np.ndarray, W: np.ndarray, bias: np.ndarray, T: float, views: int) -> np.ndarray:
    """Same as build_basic.ConSE: mean of softmax(logits / T) over the whole map and (views=5) 4 corner regions."""
    p = softmax((feats.mean((2, 3)) @ W.T + bias) / T)
    if views == 5:
        h, w = feats.shape[2:]
        sh, sw = round(h * 2 / 3), round(w * 2 / 3)
        for y in (0, h - sh):
            for x in (0, w - sw):
                p = p + softmax((feats[:, :, y : y + sh, x : x + sw].mean((2, 3)) @ W.T + bias) / T)
        p = p / 5
    return p


def conse(p: np.ndarray, E: np.ndarray, k: int) -> np.ndarray:
    idx = np.argsort(-p, 1)[:, :k]
    w = np.take_along_axis(p, idx, 1)
    w /= w.sum(1, keepdims=True)
    return norm((w[:, :, None] * E[idx]).sum(1))


@dataclass
class Inputs:
    """What every grid over the tune halves needs, computed once (cached in the temp folder)."""

    sets: dict[str, ev.PhotoSet]  # tune halves only
    parts: dict[str, np.ndarray]  # class-text components, [1000, 384] each
    feats: dict[tuple[str, str], np.ndarray]  # (variant, set) -> final feature maps of photos + edited copies
    heads: dict[str, tuple[np.ndarray, np.ndarray]]  # variant -> classifier weight, bias
    queries: dict[str, np.ndarray]  # set -> tune queries embedded by the pack's text model
    cached: Callable[[str, Callable[[], np.ndarray]], np.ndarray]
    text_model: Any
    tokenizer: Any

    def score(self, n: str, emb: np.ndarray, queries: np.ndarray | None = None) -> tuple[float, ...]:
        """(top-1, top-3, MRR, near-dup hits, same-category hits) of image embeddings [photos + copies, D]."""
        ps = self.sets[n]
        N = len(ps.photos)
        t = ev.text_score(
            ps.photos, emb[:N], ps.queries[ev.Split.TUNE], self.queries[n] if queries is None else queries
        )
        sim = ev.similar_score(ps, emb[:N], emb[N:])
        return t.top1, t.top3, round(t.mrr, 3), sim["near-duplicate"][0], sim["same-category"][0]


def prepare(variants: list[str], pack: str) -> Inputs:
    torch.set_num_threads(2)
    sets = {n: ev.load_set(n, (ev.Split.TUNE,)) for n in SETS}
    cache = dict(np.load(CACHE)) if CACHE.exists() else {}

    def cached(key: str, make: Callable[[], np.ndarray]) -> np.ndarray:
        if key not in cache:
            cache[key] = make()
            np.savez(CACHE, **cache)
        return cache[key]

    tm, mdir = b.load_minilm()
    tok = b.make_tokenizer(mdir)
    wnids, names = b.imagenet_class_names(1)
    nouns = b.wordnet_nouns()
    parts = {"name": cached("E_name", lambda: b.class_embeddings(tm, tok, names, b.TEMPLATE_SETS["mixed"]))}
    for depth in (1, 2, 3):
        kinds, glosses = b.class_texts(wnids, names, nouns, depth, 3)
        parts[f"kind{depth}"] = cached(f"E_kind{depth}", lambda k=kinds: b.embed_groups(tm, tok, k))
    parts["gloss"] = cached("E_gloss", lambda g=glosses: b.embed_groups(tm, tok, g))
    parts["scene"] = cached("E_scene", lambda: b.scene_embeddings(tm, tok, names))

    feats, heads = {}, {}
    for var in variants:
        net = b.load_classifier(var)
        heads[var] = (net._fc.weight.detach().numpy(), net._fc.bias.detach().numpy())
        for n, ps in sets.items():

            def run(ps: ev.PhotoSet = ps, net: torch.nn.Module = net, var: str = var) -> np.ndarray:
                x = torch.from_numpy(model_inputs(ps, b.VARIANTS[var][1]))
                with torch.no_grad():
                    return torch.cat([net.extract_features(x[i : i + 16]) for i in range(0, len(x), 16)]).numpy()

            feats[var, n] = cached(f"F_{var}_{n}", run)

    emb = Embedder(ModelPack.load(pack))
    queries = {n: emb.embed_texts(list(ps.queries[ev.Split.TUNE])) for n, ps in sets.items()}
    return Inputs(sets, parts, feats, heads, queries, cached, tm, tok)


def model_inputs(ps: ev.PhotoSet, res: int) -> np.ndarray:
    """[photos + edited copies, 3, res, res]: the pack's preprocessing (shortest side, centre crop, Lite mean/std)."""
    cfg = PreprocessConfig.from_dict(dict(size=res, mean=b.LITE_MEAN, std=b.LITE_STD, interpolation="bicubic"))
    ims = ps.images()
    return np.stack([to_model_input(i, cfg) for i in ims + ps.edited_copies(ims)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default="lite0")
    ap.add_argument("--pack", default=str(R / "models" / "basic"), help="built pack whose text model embeds queries")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    inp = prepare(args.variants.split(","), args.pack)
    sets, parts, feats, heads = inp.sets, inp.parts, inp.feats, inp.heads
    rows = []
    grid = itertools.product(
        heads, (1, 2, 3), (0.0, 1.0), (0.0, 0.5, 1.0), (0.0, 0.25, 0.5, 1.0), (1, 5), (5, 10, 20), (2.0, 3.0)
    )
    for var, depth, kw, gw, sw, views, k, T in grid:
        E = norm(parts["name"] + kw * parts[f"kind{depth}"] + gw * parts["gloss"] + sw * parts["scene"])
        out = []
        for n in sets:
            out += inp.score(n, conse(class_probs(feats[var, n], *heads[var], T, views), E, k))
        rows.append((var, depth, kw, gw, sw, views, k, T, *out))
    rows.sort(key=lambda r: (-(r[8] + r[13] + r[9] + r[14]), -(r[10] + r[15])))
    print(
        "variant hypernyms kind_w gloss_w scene_w views k T | bench tune top1 top3 MRR dup cat | set2 tune top1 top3 MRR dup cat"
    )
    print(f"  (bench tune: {len(sets['bench'].queries[ev.Split.TUNE])} queries; set2 tune: "
          f"{len(sets['set2'].queries[ev.Split.TUNE])} queries)")  # fmt: skip
    for r in rows[: args.top]:
        print(*r)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
