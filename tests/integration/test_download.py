"""Catalog downloads against a loopback server that speaks the Hub's protocol (tests/hub_server.py), serving a
random-weight pack in Immich's layout: full download + int8 install, a dropped connection resumed, cancel and resume
without fetching the first half again, a corrupted byte refused, 404, a server that never answers, no server."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import onnx  # noqa: E402

from golden import cos_rows, load_golden  # noqa: E402
from hub_server import COMMIT, HubRepo, HubServer, repo_from_folder  # noqa: E402
from immich_pack import PACK_FILES, build_immich_pack, int8_matmuls  # noqa: E402
from photoseek.core.errors import Cancelled, DownloadError, NetworkError  # noqa: E402
from photoseek.core.runtime.catalog import Catalog, CatalogEntry, CatalogFile  # noqa: E402
from photoseek.core.runtime.download import DownloadPhase, DownloadProgress  # noqa: E402
from photoseek.core.runtime.embedder import Embedder  # noqa: E402
from photoseek.core.runtime.installer import ModelInstaller  # noqa: E402
from photoseek.core.runtime.registry import ModelRegistry  # noqa: E402
from photoseek.core.runtime.text_length import fixed_length  # noqa: E402

REPO = "immich-app/ViT-B-32__openai"
VISUAL = "visual/model.onnx"


def _catalog(files: tuple[str, ...] = PACK_FILES, repo: str = REPO) -> Catalog:
    entry = CatalogEntry(
        id="clip-vit-b32", name="CLIP ViT-B/32 (OpenAI)", repo=repo, revision="main", family="openai-clip",
        license="MIT", languages=("en",), embed_dim=64, image_size=224, quality="test", default=True,
        files=tuple(CatalogFile(f, 1000) for f in files),
    )
    return Catalog(format=1, families={"openai-clip": {}}, entries=(entry,))


@pytest.fixture(scope="module")
def hub_repo(tmp_path_factory: pytest.TempPathFactory) -> HubRepo:
    root = build_immich_pack(tmp_path_factory.mktemp("hub") / "ViT-B-32__openai")
    (root / "README.md").write_text("---\ntags:\n - immich\n - clip\n---\n# Model Description\n", encoding="utf-8")
    return repo_from_folder(root)


@pytest.fixture
def hub(hub_repo: HubRepo) -> HubServer:
    with HubServer({REPO: hub_repo}) as server:
        yield server


def _installer(tmp_path: Path, url: str, catalog: Catalog | None = None, timeout: float = 5.0) -> ModelInstaller:
    return ModelInstaller(ModelRegistry(tmp_path / "lib"), endpoint=url, timeout=timeout, catalog=catalog or _catalog())


def test_full_download_verifies_quantizes_and_installs(tmp_path: Path, hub: HubServer, hub_repo: HubRepo) -> None:
    inst = _installer(tmp_path, hub.url)
    assert [(a.entry.id, a.installed, a.partial_bytes) for a in inst.available()] == [("clip-vit-b32", False, 0)]
    seen: list[DownloadProgress] = []
    pack = inst.get("clip-vit-b32", progress=lambda p: seen.append(p) or True)
    assert pack.id == "clip-vit-b32" and pack.verify() == []
    m = pack.manifest
    assert (m["format"], m["commit"], m["repo"], m["precision"]) == (1, COMMIT, REPO, "int8")
    for model in (pack.visual_path, pack.textual_path):
        assert int8_matmuls(model) >= 6, model  # the transformer weights are int8 now
    # Immich's text model takes exactly 77 ids; the installed one any number (checked in fp32 before quantizing)
    assert fixed_length(onnx.load(str(pack.textual_path))) is None and m["trim_padding"] is True
    meta, g = load_golden(Path(__file__).resolve().parents[1] / "data" / "clip_tiny_golden")
    # int8 noise of a tiny random model: the fixed-length int8 model gets 0.9985 at worst (mean 0.99938), this
    # one 0.9969 on its 50-token text (mean 0.99927)
    cos = cos_rows(Embedder(pack).embed_texts(meta["texts"]), g["text_embeddings"])
    assert cos.min() > 0.995 and cos.mean() > 0.999, cos
    total = sum(len(hub_repo.files[f]) for f in PACK_FILES)
    assert seen[-1].phase == DownloadPhase.DONE and seen[-1].done == seen[-1].total == total
    assert DownloadPhase.QUANTIZING in {p.phase for p in seen}
    assert all(hub.gets(f) == [None] for f in PACK_FILES)  # each file fetched once, whole
    assert "README.md" not in hub.gets("README.md") and not hub.gets("README.md")
    assert [a.installed for a in inst.available()] == [True]
    assert not (inst.downloader.staging_dir(inst.catalog.entries[0])).exists()
    n = len(hub.log)
    assert inst.get("clip-vit-b32").id == "clip-vit-b32" and len(hub.log) == n  # installed: no network at all


def test_dropped_connection_resumes_where_it_stopped(tmp_path: Path, hub: HubServer, hub_repo: HubRepo) -> None:
    size = len(hub_repo.files[VISUAL])
    hub.faults.drop_after[VISUAL] = size // 2
    inst = _installer(tmp_path, hub.url)
    inst.downloader.chunk_bytes = 1 << 16
    pack = inst.get("clip-vit-b32", quantize=False)
    assert pack.manifest["precision"] == "fp32" and pack.verify() == []
    assert pack.visual_path.read_bytes() == hub_repo.files[VISUAL]
    first, again = hub.gets(VISUAL)
    start = int(again[len("bytes="):-1])
    assert first is None and size // 2 - (1 << 16) < start <= size // 2
    assert hub.bytes_sent[VISUAL] == size + (size // 2 - start)  # only the last unsaved chunk was sent twice


def test_cancel_keeps_the_bytes_and_a_later_get_resumes(tmp_path: Path, hub: HubServer, hub_repo: HubRepo) -> None:
    hub.faults.chunk_delay = 0.004
    inst = _installer(tmp_path, hub.url)
    inst.downloader.chunk_bytes = 1 << 16
    entry = inst.catalog.entries[0]
    total = sum(len(hub_repo.files[f]) for f in PACK_FILES)

    def stop_halfway(p: DownloadProgress) -> bool:
        return p.done < total // 2

    with pytest.raises(Cancelled, match="kept"):
        inst.get("clip-vit-b32", progress=stop_halfway)
    kept = inst.downloader.partial_bytes(entry)
    assert total // 2 <= kept < total
    assert inst.registry.packs() == [(p, b) for p, b in inst.registry.packs() if b]  # no half pack listed
    assert [a.partial_bytes for a in inst.available()] == [kept]
    hub.faults.chunk_delay = 0.0
    pack = inst.get("clip-vit-b32", quantize=False)
    assert pack.verify() == [] and pack.visual_path.read_bytes() == hub_repo.files[VISUAL]
    resumed = [r for f in PACK_FILES for r in hub.gets(f) if r]
    assert len(resumed) == 1 and int(resumed[0][6:-1]) > 0
    assert sum(hub.bytes_sent.values()) < total + kept // 4  # what was kept was not downloaded again


def test_cancel_event_from_another_thread(tmp_path: Path, hub: HubServer) -> None:
    hub.faults.chunk_delay = 0.01
    inst = _installer(tmp_path, hub.url)
    inst.downloader.chunk_bytes = 1 << 16
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        inst.get("clip-vit-b32", cancel=cancel)
    assert time.monotonic() - t0 < 3
    assert not [p for p, builtin in inst.registry.packs() if not builtin]


def test_corrupted_byte_is_refused_and_the_file_deleted(tmp_path: Path, hub: HubServer) -> None:
    hub.faults.corrupt.add(VISUAL)
    inst = _installer(tmp_path, hub.url)
    stage = inst.downloader.staging_dir(inst.catalog.entries[0])
    with pytest.raises(DownloadError, match=r"visual/model.onnx: content hash .* does not match .* deleted"):
        inst.get("clip-vit-b32")
    assert not (stage / "visual" / "model.onnx").exists() and not (stage / "visual" / "model.onnx.part").exists()
    assert (stage / "config.json").is_file()  # verified files before it are kept
    assert not [p for p, builtin in inst.registry.packs() if not builtin]
    hub.faults.corrupt.clear()
    assert inst.get("clip-vit-b32").verify() == []


def test_missing_file_is_a_clear_404(tmp_path: Path, hub: HubServer) -> None:
    inst = _installer(tmp_path, hub.url, _catalog(PACK_FILES + ("textual/missing.json",)))
    with pytest.raises(DownloadError, match=r"textual/missing.json is not on the model server \(HTTP 404"):
        inst.get("clip-vit-b32")
    inst = _installer(tmp_path, hub.url, _catalog(repo="immich-app/no-such-model"))
    with pytest.raises(DownloadError, match="HTTP 404"):
        inst.get("clip-vit-b32")


def test_server_that_never_answers_times_out_with_one_line(tmp_path: Path, hub: HubServer) -> None:
    hub.faults.hang = True
    t0 = time.monotonic()
    with pytest.raises(NetworkError) as e:
        _installer(tmp_path, hub.url, timeout=1.0).get("clip-vit-b32")
    assert time.monotonic() - t0 < 8
    host = hub.url.removeprefix("http://")
    assert str(e.value) == (f"cannot reach the model server: {host} did not answer within 1 s; PhotoSeek keeps "
                            "working with the models you have")


def test_no_server_at_all(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match=r"^cannot reach the model server: 127\.0\.0\.1:9: .*; PhotoSeek keeps"):
        _installer(tmp_path, "http://127.0.0.1:9").get("clip-vit-b32")


def test_not_enough_disk_space_is_said_before_downloading(tmp_path: Path, hub: HubServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil as sh

    real = sh.disk_usage
    monkeypatch.setattr(sh, "disk_usage", lambda p: real(p)._replace(free=1_000_000))
    with pytest.raises(DownloadError, match=r"not enough disk space .* 1\.0 MB is free"):
        _installer(tmp_path, hub.url).get("clip-vit-b32")
    assert not hub.gets(VISUAL)  # nothing was transferred


def test_a_new_commit_on_the_hub_restarts_a_kept_download(tmp_path: Path, hub_repo: HubRepo) -> None:
    repo = HubRepo(dict(hub_repo.files))
    with HubServer({REPO: repo}) as server:
        server.faults.chunk_delay = 0.004
        inst = _installer(tmp_path, server.url)
        inst.downloader.chunk_bytes = 1 << 16
        with pytest.raises(Cancelled):
            inst.get("clip-vit-b32", progress=lambda p: p.done < 3_000_000)
        server.faults.chunk_delay = 0.0
        repo.commit = "f" * 40  # the repo moved on: mixing parts of two versions must not happen
        pack = inst.get("clip-vit-b32", quantize=False)
        assert pack.manifest["commit"] == "f" * 40 and pack.verify() == []
        assert not [r for f in PACK_FILES for r in server.gets(f) if r]  # no Range: started afresh
