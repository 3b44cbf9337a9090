"""The only code that runs models: ONNX Runtime sessions and the Hugging Face tokenizer of a pack."""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from photoseek.core.domain import Device
from photoseek.core.errors import ModelError, ModelPackError
from photoseek.core.imaging.preprocess import to_model_input
from photoseek.core.runtime import text_length
from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.priority import in_background_thread, usable_cores
from photoseek.core.runtime.providers import ProviderChoice, choose_installed, configure, running_device
from photoseek.core.runtime.session_cache import SessionCache
from photoseek.core.runtime.tokenizer import load_tokenizer, pad_id
from photoseek.core.runtime.tokenizer_cache import TokenizerCache

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

DERIVED = "any-length"  # names the text model's any-length copy in the session cache


def default_threads() -> int:
    """Leave one core free for the GUI and the decoders while indexing."""
    return max(1, (os.cpu_count() or 2) - 1)


def _return_freed_memory() -> None:
    """Hand memory that was freed back to the system. glibc keeps freed heap pages in the process (an fp32
    ViT-B-32 session let go left 460 of 575 MB resident; 113 MB after this); elsewhere this does nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl): nothing to trim
        pass


def l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class Embedder:
    """Embeds images and texts with one model pack.

    Sessions are created lazily (text search never pays for loading the visual model and vice versa) and are
    safe to call from several threads; ONNX Runtime's ``run`` is thread-safe.

    The image model's session is created on a below-normal-priority thread (pinned to ``cpus`` when given), so
    its ONNX Runtime workers run below normal priority too: indexing yields to the desktop. The text model's runs
    at normal priority: a query is what the user is waiting for.

    Args:
        pack: the model pack.
        threads: intra-op threads per session (default: all cores but one).
        device: where to run (CPU by default; see :mod:`.providers`).
        cache: where optimised copies of the models are kept (None: optimise at every start).
        cpus: the CPUs the image model's workers may use (None: any).
        split_images: a headless run's choice: each image-model call runs on its caller alone, and
            :attr:`image_callers` threads call at once.
    """

    def __init__(self, pack: ModelPack, threads: int | None = None, *, device: Device = Device.CPU,
                 cache: SessionCache | None = None, cpus: set[int] | None = None, split_images: bool = False) -> None:
        self.pack = pack
        self.threads = threads or default_threads()
        self.split_images = split_images
        self.device = device
        self.cache = cache or SessionCache(None)
        # the tokenizer's index (a query loads only what it needs) lives beside the optimised models:
        # <library cache>/tokenizers
        self.tokenizers = TokenizerCache(self.cache.folder.with_name("tokenizers") if self.cache.folder else None)
        self.cpus = cpus
        self._choice: ProviderChoice | None = None
        # one lock each: a query must not wait while the image model loads for indexing, and the text model
        # loads while the tokenizer is read
        self._visual_lock = threading.Lock()
        self._textual_lock = threading.Lock()
        self._tokenizer_lock = threading.Lock()
        self._visual: Any = None
        self._visual_callers = 1  # the image_callers the image session was made for
        self._textual: Any = None
        self._tokenizer: Any = None
        self._warmed: Any = None  # the image session that has run once (see load_images_quietly)
        self._cuts_text = False  # the text session takes ids cut after the longest text (see _trimmed)
        self.image_calls = 0  # images embedded so far (tests count model work with it)
        self._count_lock = threading.Lock()
        self.text_calls = 0

    @property
    def model_id(self) -> str:
        return self.pack.id

    @property
    def dim(self) -> int:
        return self.pack.embed_dim

    # sessions -------------------------------------------------------------------------------------------------
    @property
    def provider(self) -> ProviderChoice:
        """What runs the models: the device asked for, the one in use and why they differ (read from the
        sessions once one exists, else from what onnxruntime offers)."""
        if self._choice is None:
            self._choice = choose_installed(self.device)
        return self._choice

    @property
    def image_callers(self) -> int:
        """How many threads should call :meth:`embed_pixels` at once: with ``split_images`` on the CPU one per
        thread of the budget, each call on one intra-op thread; else 1. One call over two threads waits at a barrier
        after every operator, and a decoder preempting one half stalls the other (ViT-B-32 int8, batch 8, 2 cores:
        25.5-28.9 images/s as one call, 31.6-32.4 as two at once; fp32 the same either way)."""
        if self._visual is not None:  # what the live session was made for (an accelerator may have fallen back since)
            return self._visual_callers
        return self._callers()

    def _callers(self) -> int:
        # the callers then do the model's work themselves: only where a headless run's model threads run below
        # normal priority (Linux per thread, Windows per process; not macOS, see pin_headless_model_thread)
        lowered = sys.platform.startswith("linux") or sys.platform == "win32"
        if not self.split_images or not lowered or self.threads <= 1 or self.provider.accelerated:
            return 1
        return self.threads

    def reconfigure(self, *, threads: int, cpus: set[int] | None, device: Device, split_images: bool) -> bool:
        """Take a new core budget, device or ``split_images`` without a restart. The sessions made for the old one
        are let go and made again when next used (a call running on one finishes on it). Returns True when anything
        changed."""
        changed = False
        if device is not self.device:
            with self._visual_lock, self._textual_lock:
                self.device, self._choice, self._visual, self._textual = device, None, None, None
            changed = True
        if (threads, cpus, split_images) != (self.threads, self.cpus, self.split_images):
            with self._visual_lock:  # the text model uses every core whatever the budget: it stays
                self.threads, self.cpus, self.split_images, self._visual = threads, cpus, split_images, None
            changed = True
        return changed

    def release_images(self) -> None:
        """Let the image model's session go (its memory with it); the next :meth:`embed_pixels` loads it again.
        A call running on it finishes on it."""
        with self._visual_lock:
            released, self._visual = self._visual, None
        if released is not None:
            del released
            _return_freed_memory()

    def _session(self, path: Path, threads: int, *, background: bool = False,
                 derive: Callable[[Path], Path | None] | None = None) -> tuple[Any, bool]:
        """A session for one of the pack's models, and whether it runs the model ``derive`` makes of it.

        ``background``: its ONNX Runtime workers run below normal priority on :attr:`cpus`. Only the session's
        constructor runs on the lowered thread (the workers it starts inherit that priority): importing onnxruntime
        and the rest hold the GIL, and a low-priority thread that a busy machine preempts while holding it stalls
        the window's thread (the import alone holds it ~30 ms).

        ``derive(folder)``: writes a form of the model to run instead (CPU and a cache folder only, made once; see
        :meth:`SessionCache.open_derived`), or returns None to run the model as it is."""
        import onnxruntime as ort

        def create(*args: Any, **kwargs: Any) -> Any:
            if not background:
                return ort.InferenceSession(*args, **kwargs)
            return in_background_thread(lambda: ort.InferenceSession(*args, **kwargs), cpus=self.cpus)

        choice = self.provider
        rel = path.relative_to(self.pack.root).as_posix()
        label, digest = f"{self.pack.id}-{path.parent.name}", self.pack.checksum(path)
        text = path == self.pack.textual_path
        try:
            if choice.accelerated:
                opts = self._options(threads, choice, text=text)
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                session = create(os.fspath(path), sess_options=opts, providers=list(choice.providers))
                self._choice = running_device(choice, session.get_providers())
                return session, False
            if derive is not None:
                session = self._derived(path, label, digest, threads, derive, create)
                if session is not None:
                    return session, True
            opts = self._options(threads, choice, text=text)
            return self.cache.open(path, label, digest, opts, list(choice.providers), create=create), False
        except Exception as e:  # onnxruntime raises its own exception types
            raise ModelPackError(
                f"model pack {self.pack.id}: cannot load {rel}: {e}",
                hint="The file may be corrupt: run `photoseek models verify`.",
            ) from e

    def _derived(self, path: Path, label: str, digest: str | None, threads: int,
                 derive: Callable[[Path], Path | None], create: Callable[..., Any]) -> Any:
        """The session of the model ``derive`` makes of ``path``, or None (none, or it failed: logged, and the
        model runs as it is)."""
        choice = self.provider
        try:
            return self.cache.open_derived(path, f"{label}-{DERIVED}", digest, self._options(threads, choice, text=True),
                                           list(choice.providers), derive=derive, create=create)
        except Exception as e:  # onnx / onnxruntime raise their own types
            log.warning("model pack %s: %s: %s; running the model as it is", self.pack.id, DERIVED, e)
            return None

    @staticmethod
    def _options(threads: int, choice: ProviderChoice, *, text: bool = False) -> Any:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        if text:
            # no plan for sharing buffers between a text model's values: making one cost most of the session's start
            # (ViT-B-32 int8 any-length: 41-57 ms instead of 90-109 ms; fixed 77 ids: 44 vs 36-44) and saved no
            # memory (+53-56 MB resident either way); a query's activations are a few MB
            opts.enable_mem_reuse = False
            opts.enable_mem_pattern = False
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        # idle ORT workers must sleep, not spin: the decoders that feed the model need those cores
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # no second, pre-packed copy of every weight matrix: ViT-B-32 fp32 peaks at 530 MB instead of 630 MB
        # (int8: 265 instead of 305) for no speed difference we could measure on this machine
        opts.add_session_config_entry("session.disable_prepacking", "1")
        configure(opts, choice)
        return opts

    def _visual_session(self) -> Any:
        with self._visual_lock:
            if self._visual is None:
                callers = self._callers()
                self._visual, _ = self._session(self.pack.visual_path, max(1, self.threads // callers),
                                                background=True)
                self._visual_callers = callers
            return self._visual

    def _textual_session(self) -> Any:
        with self._textual_lock:
            if self._textual is None:
                # every core: a query is short and the user waits for it (ViT-B-32 int8 on 2 cores: 48 ms, 1: 104 ms)
                self._textual, cut = self._session(self.pack.textual_path, max(self.threads, usable_cores()),
                                                   derive=self._any_length_text)
                self._cuts_text = cut or self.pack.trims_padding
            return self._textual

    def _any_length_text(self, folder: Path) -> Path | None:
        """The pack's text model made to take any length (:mod:`.text_length`), when it takes a fixed number of
        ids and the copy is verified to give the same embeddings; None to run it as it is."""
        if self.pack.trims_padding:  # takes any length already
            return None
        return text_length.pack_any_length(self.pack, folder, self._get_tokenizer())

    @staticmethod
    def _load_quietly(load: Callable[[], Any]) -> None:
        try:
            load()
        except Exception:  # noqa: S110 - the caller loads again and gets the error itself
            pass

    def load_images_quietly(self) -> None:
        """Create the image model's session now if it is not there yet and run it once on one blank image,
        ignoring a failure (the next :meth:`embed_pixels` tries again and raises it): lets the session load while
        the first photos decode. ONNX Runtime's first run sets itself up: ViT-B-32 int8's first batch of 8 took
        0.06-0.19 s longer than the next ones on 2 cores; one image first (0.05 s) makes the first batch a normal
        one, and that image runs while the decoders are still at their first batch."""
        self._load_quietly(self._warm_images)

    def _warm_images(self) -> None:
        sess = self._visual_session()
        if self._warmed is sess:
            return
        h, w = self.pack.preprocess.size
        _run(sess, {sess.get_inputs()[0].name: np.zeros((1, 3, h, w), dtype=np.float32)})
        self._warmed = sess

    def load_text_quietly(self) -> None:
        """Load the tokenizer and the text model's session now if they are not there yet, ignoring a failure (the
        next query loads them again and raises it). Both hold the GIL (the session ~20-50 ms, longer the first time,
        when its optimised copy is written): the desktop app does it on its query thread while the window is built,
        not under the first query."""
        self._load_quietly(self._get_tokenizer)
        self._load_quietly(self._textual_session)

    def prepare(self) -> None:
        """Create both sessions and the tokenizer now (writing their optimised copies), e.g. right after a pack is
        installed."""
        self._visual_session()
        self._textual_session()
        self._get_tokenizer()

    def _get_tokenizer(self) -> Any:
        with self._tokenizer_lock:
            if self._tokenizer is None:
                self._tokenizer = load_tokenizer(self.pack, self.tokenizers)
            return self._tokenizer

    # images ---------------------------------------------------------------------------------------------------
    def preprocess(self, image: Image.Image) -> np.ndarray:
        return to_model_input(image, self.pack.preprocess)

    def embed_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """Preprocessed pixels [N,3,H,W] -> L2-normalised float32 [N,D]."""
        if len(pixels) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        sess = self._visual_session()
        inp = sess.get_inputs()[0]
        try:
            out = _run(sess, {inp.name: np.ascontiguousarray(pixels, dtype=np.float32)})
        except Exception as e:
            raise ModelError(f"image model failed: {e}") from e
        with self._count_lock:  # several threads may call at once
            self.image_calls += len(pixels)
        return self._check(l2_normalize(out), "image")

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """RGB images -> L2-normalised float32 [N,D]."""
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.embed_pixels(np.stack([self.preprocess(im) for im in images]))

    # texts ----------------------------------------------------------------------------------------------------
    def tokenize(self, texts: Sequence[str]) -> np.ndarray:
        """Token ids [N, context_length] as the pack's textual model expects them."""
        tok, clean = self._get_tokenizer()
        encs = tok.encode_batch([clean(t) for t in texts])
        return np.asarray([e.ids for e in encs], dtype=np.int64)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Texts -> L2-normalised float32 [N,D]."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # the first query loads the tokenizer, then the session, on this thread: both hold the GIL most of the time,
        # so loading the session on a thread of its own meanwhile made a cold search slower (0.15 s vs 0.13 s)
        ids = self.tokenize(texts)
        sess = self._textual_session()
        ids = self._trimmed(ids, sess)
        feeds: dict[str, np.ndarray] = {}
        for i, inp in enumerate(sess.get_inputs()):
            dtype = np.int32 if "int32" in inp.type else np.int64
            if i == 0:
                feeds[inp.name] = ids.astype(dtype)
            elif "mask" in inp.name:
                feeds[inp.name] = (ids != self._pad_id()).astype(dtype)
            else:
                raise ModelPackError(f"model pack {self.pack.id}: textual model has an unexpected input {inp.name!r}")
        try:
            out = _run(sess, feeds)
        except Exception as e:
            raise ModelError(f"text model failed: {e}") from e
        self.text_calls += len(texts)
        return self._check(l2_normalize(out), "text")

    def _trimmed(self, ids: np.ndarray, sess: Any) -> np.ndarray:
        """``ids`` without the padding columns after the longest text, when the pack says that gives the same
        embedding and the model's input takes any length (ViT-B-32 int8: "a dog on the beach" in 8 positions, not
        77); otherwise unchanged."""
        shape = sess.get_inputs()[0].shape
        if not self._cuts_text or len(shape) < 2 or isinstance(shape[1], int) or ids.shape[1] < 2:
            return ids
        return np.ascontiguousarray(ids[:, :text_length.cut_width(ids, self._pad_id())])

    def _pad_id(self) -> int:
        return pad_id(self._get_tokenizer()[0])

    def _check(self, out: np.ndarray, side: str) -> np.ndarray:
        if out.ndim != 2 or out.shape[1] != self.dim:
            raise ModelPackError(
                f"model pack {self.pack.id}: {side} model returns shape {tuple(out.shape)}, "
                f"config.json says embed_dim={self.dim}",
                hint="The pack's config.json does not match its models; reinstall the pack.",
            )
        return out


def _run(sess: Any, feeds: dict[str, np.ndarray]) -> np.ndarray:
    """Run a session on a batch. Models exported with a fixed batch size (Immich's packs take exactly 1 row) get
    the batch in slices of that size."""
    fixed = sess.get_inputs()[0].shape[0]
    n = len(next(iter(feeds.values())))
    if not isinstance(fixed, int) or fixed <= 0 or fixed >= n:
        return np.asarray(sess.run(None, feeds)[0])
    if n % fixed:
        raise ModelError(f"the model takes batches of exactly {fixed}; got {n}")
    parts = [sess.run(None, {k: v[i:i + fixed] for k, v in feeds.items()})[0] for i in range(0, n, fixed)]
    return np.concatenate(parts)
