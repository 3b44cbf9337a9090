"""Ideas measured on the TUNE halves for issue 13 that did not make the shipped pack (build time; needs torch).

Same seal, caches and scoring as models/tune_basic.py (the report halves are sealed before anything loads). Every
row starts from the shipped setting (names + 2 everyday hypernyms + gloss x0.5, 5 views, k=10, T=3), scored in numpy
over the torch fp32 classifier, queries through the shipped int8 text model:

* ``light``: hand-computed light and colour statistics of the model input (dark share, warm sky over a darker
  foreground, blue sky, white, greenery, blue water, hue shares) as extra "virtual classes": the image embedding
  becomes normalise(ConSE + alpha * sum_j score_j * text_j), text_j the embedding of "at night", "a sunset", ...
* ``views``: more regions of the feature map (4x4 and 3x3 windows besides the 5x5 corners), another temperature
  for the regions than for the whole image, views combined by mean / half whole-half regions / max, k = 10 or 15,
  and class texts from all WordNet lemmas (synonyms) of a class instead of its first name.
* ``textmap``: a text-side mapping: each query pulled towards the convex hull of its nearest class texts,
  normalise(q + beta * sum_i softmax(q.E_i / tau) E_i over its kq nearest classes).

    python models/tune_extras.py [light|views|textmap ...]
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

import build_basic as b
import numpy as np
import tune_basic as tb

VAR = "lite0"
# virtual classes: texts written from what each statistic measures (before any scoring)
LIGHT_TEXTS = {
    "night": ["at night", "a photo taken at night", "a night scene in the dark"],
    "sunset": ["a sunset", "the sun setting at dusk", "an orange sunset sky"],
    "bluesky": ["a blue sky", "under a clear blue sky"],
    "snow": ["snow", "white snow in winter"],
    "green": ["green grass and leaves", "green nature"],
    "bluewater": ["blue sea water", "the ocean"],
}
COLOUR_TEXTS = {
    c: [c, f"something {c}"]
    for c in ("red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "black", "grey", "brown")
} | {"colourful": ["colourful", "bright colours"]}


def ramp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0)


def light_scores(x: np.ndarray) -> dict[str, np.ndarray]:
    """Per photo, 0..1 scores from the model input [N,3,H,W] (normalised with the Lite mean/std)."""
    p = x.astype(np.float32) * np.float32(b.LITE_STD[0]) + np.float32(b.LITE_MEAN[0])  # back to 0..1
    r, g, bl = p[:, 0], p[:, 1], p[:, 2]
    lum = 0.299 * r + 0.587 * g + 0.114 * bl
    mx, mn = p.max(1), p.min(1)
    sat = (mx - mn) / np.maximum(mx, 1e-3)
    h = p.shape[2]
    top, third, bottom = slice(0, h // 2), slice(0, h // 3), slice(2 * h // 3, h)

    def share(mask: np.ndarray, rows: slice = slice(None)) -> np.ndarray:
        return mask[:, rows].mean((1, 2))

    white = (lum > 0.7) & (mx - mn < 0.12)
    s = {
        # first round: shares of the frame
        "night": ramp(share(lum < 0.15), 0.4, 0.8),
        "sunset": ramp(share((r - bl > 0.25) & (r >= g) & (g >= bl) & (r > 0.45), top), 0.15, 0.5),
        "bluesky": ramp(share((bl > r + 0.08) & (bl >= g) & (lum > 0.35), top), 0.2, 0.6),
        "snow": ramp(share(white), 0.25, 0.6),
        "green": ramp(share((g > r) & (g > bl + 0.02) & (sat > 0.15)), 0.3, 0.7),
        "bluewater": ramp(share((bl > r + 0.08) & (bl >= g)), 0.5, 0.85),
        # second round: gated (warm sky above a darker foreground; dark with a few lights; white under a blue sky)
        "sunset_gated": ramp(share(((r - bl) > 0.2) & (r >= g), third), 0.3, 0.7)
        * ramp(share(lum, third) - share(lum, bottom), 0.05, 0.25),
        "night_gated": ramp(share(lum < 0.12), 0.5, 0.85) * ramp(share(lum > 0.6), 0.0, 0.01),
        "snow_gated": ramp(share(white), 0.2, 0.5) * ramp(share((bl > r + 0.05) & (lum > 0.4), third), 0.2, 0.5),
    }
    d = np.maximum(mx - mn, 1e-6)
    hue = np.where(mx == r, ((g - bl) / d) % 6, np.where(mx == g, (bl - r) / d + 2, (r - g) / d + 4)) * 60
    chroma = (sat > 0.35) & (mx > 0.25)
    for name, lo, hi in (("red", 340, 375), ("orange", 15, 40), ("yellow", 40, 70), ("green", 70, 170),
                         ("blue", 170, 260), ("purple", 260, 300), ("pink", 300, 340)):  # fmt: skip
        s[f"c_{name}"] = ramp(share(chroma & (((hue >= lo) & (hue < hi)) | (hue + 360 < hi))), 0.15, 0.5)
    s["c_white"] = ramp(share((sat < 0.15) & (lum > 0.75)), 0.2, 0.6)
    s["c_black"] = ramp(share(lum < 0.12), 0.3, 0.7)
    s["c_grey"] = ramp(share((sat < 0.15) & (lum >= 0.25) & (lum <= 0.75)), 0.3, 0.7)
    s["c_brown"] = ramp(share((hue >= 10) & (hue < 45) & (sat > 0.3) & (mx < 0.6) & (mx > 0.15)), 0.2, 0.6)
    s["c_colourful"] = ramp(sat.mean((1, 2)), 0.35, 0.65)
    return s


def row(label: str, out: dict[str, tuple[float, ...]]) -> None:
    bt, st = out["bench"], out["set2"]
    print(f"{label:<44} set2 {st[0]:>2} {st[1]:>2} {st[2]:.3f} cat {st[4]:>2} | bench {bt[0]:>2} {bt[1]:>2} "
          f"{bt[2]:.3f} cat {bt[4]:>2} | top-1 {st[0] + bt[0]:>2} top-3 {st[1] + bt[1]:>2}")  # fmt: skip


def light(inp: tb.Inputs, base: dict[str, np.ndarray], E: np.ndarray) -> None:
    texts = LIGHT_TEXTS | {f"{k}_gated": v for k, v in LIGHT_TEXTS.items()}
    texts |= {f"c_{k}": v for k, v in COLOUR_TEXTS.items()}
    emb = inp.cached("V_light", lambda: b.embed_groups(inp.text_model, inp.tokenizer, list(texts.values())))
    V = dict(zip(texts, emb, strict=True))
    scores = {}
    for n, ps in inp.sets.items():
        x = inp.cached(f"X_{VAR}_{n}", lambda ps=ps: tb.model_inputs(ps, b.VARIANTS[VAR][1]).astype(np.float16))
        scores[n] = light_scores(x)
    scene = list(LIGHT_TEXTS)
    colours = [f"c_{k}" for k in COLOUR_TEXTS]
    groups = {"scene (6)": scene, "colours (12)": colours, "scene + colours": scene + colours}
    groups |= {f"scene without {g}": [x for x in scene if x != g] for g in scene}
    groups |= {"gated sunset": ["sunset_gated"], "gated night": ["night_gated"], "gated snow": ["snow_gated"]}
    groups |= {"gated sunset + night + snow": ["sunset_gated", "night_gated", "snow_gated"]}
    for (label, keys), alpha in itertools.product(groups.items(), (0.1, 0.2, 0.35, 0.5, 0.75, 1.0)):
        out = {}
        for n in inp.sets:
            v = sum(scores[n][k][:, None] * V[k][None] for k in keys)
            out[n] = inp.score(n, tb.norm(base[n] + alpha * v))
        row(f"{label}, alpha {alpha}", out)


def views(inp: tb.Inputs, E: np.ndarray) -> None:
    W, bias = inp.heads[VAR]
    synonyms = b.imagenet_class_names(9)[1]  # every lemma of a class (Latin binomials skipped)
    lemmas = inp.cached(
        "E_lemmas", lambda: b.class_embeddings(inp.text_model, inp.tokenizer, synonyms, b.TEMPLATE_SETS["mixed"])
    )
    texts = {"names": E, "all lemmas": tb.norm(lemmas + inp.parts["kind2"] + 0.5 * inp.parts["gloss"])}
    logits = {}
    for n in inp.sets:
        F = inp.feats[VAR, n]
        h = F.shape[2]
        for s in (5, 4, 3):
            pos = sorted({0, h - s} | ({(h - s) // 2} if s == 3 else set()))
            logits[n, s] = [F[:, :, y : y + s, x : x + s].mean((2, 3)) @ W.T + bias for y in pos for x in pos]
        logits[n, 7] = [F.mean((2, 3)) @ W.T + bias]
    grid = itertools.product(
        texts, [(5,), (5, 4), (5, 3), (4,), (3,)], (2.0, 3.0), (2.0, 3.0, 4.0), ("mean", "half", "max"), (10, 15)
    )
    for tname, sizes, T, Tr, comb, k in grid:
        out = {}
        for n in inp.sets:
            P = [tb.softmax(logits[n, 7][0] / T)] + [tb.softmax(z / Tr) for s in sizes for z in logits[n, s]]
            if comb == "mean":
                p = sum(P) / len(P)
            elif comb == "half":
                p = 0.5 * P[0] + 0.5 * sum(P[1:]) / (len(P) - 1)
            else:
                p = np.max(P, 0)
                p = p / p.sum(-1, keepdims=True)
            out[n] = inp.score(n, tb.conse(p, texts[tname], k))
        row(f"{tname}, windows {sizes}, T {T}/{Tr}, {comb}, k={k}", out)


def textmap(inp: tb.Inputs, base: dict[str, np.ndarray], E: np.ndarray) -> None:
    for beta, tau, kq in itertools.product((0.25, 0.5, 1.0, 2.0, 100.0), (0.02, 0.05, 0.1), (5, 10, 30)):
        out = {}
        for n in inp.sets:
            q = inp.queries[n].astype(np.float64)
            s = q @ E.T
            idx = np.argsort(-s, 1)[:, :kq]
            w = tb.softmax(np.take_along_axis(s, idx, 1) / tau)
            hull = tb.norm((w[:, :, None] * E[idx]).sum(1))
            out[n] = inp.score(n, base[n], tb.norm(q + beta * hull))
        row(f"query + {beta} x hull, tau {tau}, kq {kq}", out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiments", nargs="*", default=["light", "views", "textmap"])
    ap.add_argument("--pack", default=str(R / "models" / "basic"), help="built pack whose text model embeds queries")
    args = ap.parse_args()
    inp = tb.prepare([VAR], args.pack)
    E = tb.norm(inp.parts["name"] + inp.parts["kind2"] + 0.5 * inp.parts["gloss"])
    base = {n: tb.conse(tb.class_probs(inp.feats[VAR, n], *inp.heads[VAR], 3.0, 5), E, 10) for n in inp.sets}
    print("hits of 58 set2 and 17 bench tune queries: top-1 top-3 MRR, same-category hits of 42 and 18")
    row("shipped setting", {n: inp.score(n, base[n]) for n in inp.sets})
    for name in args.experiments:
        print(f"--- {name}")
        if name == "light":
            light(inp, base, E)
        elif name == "views":
            views(inp, E)
        elif name == "textmap":
            textmap(inp, base, E)
        else:
            raise SystemExit(f"unknown experiment {name!r}")


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
