"""Task data paths with rules (mlbtc_torch/tasks/data_error.py, the twin of src/data/dataError.ts readDataFile): a
regular file only, opened non-blocking and checked on the descriptor, under the spec's workspace or a folder of
MLBTC_DATA_ROOTS, at most MLBTC_DATA_MAX_MB; and the language-model loader keeps ids compact."""
import os
import signal

import pytest
import torch

from mlbtc_torch import DataError, Rng, create_task
from mlbtc_torch.tasks.data_error import allowed_data_roots, data_max_bytes, read_data_file, workspace_root
from resolved_specs import language_model, spec

TEXT = "the quick brown fox jumps over the lazy dog\n" * 6


@pytest.fixture(autouse=True)
def no_machine_settings(monkeypatch):
    monkeypatch.delenv("MLBTC_DATA_ROOTS", raising=False)
    monkeypatch.delenv("MLBTC_DATA_MAX_MB", raising=False)


@pytest.fixture
def within_seconds():
    """Fail instead of hanging when a read blocks (a FIFO opened without O_NONBLOCK waits for a writer forever)."""
    def blocked(_signum, _frame):
        raise TimeoutError("the read blocked")

    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def lm_task(spec_dir, data):
    return create_task(spec("dense", task=language_model(data)), str(spec_dir), Rng(0))


def test_a_fifo_is_refused_without_blocking(tmp_path, within_seconds):
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(DataError, match=r'task\.data \("pipe.txt"\) is not a regular file \(a pipe, device or socket\)'):
        lm_task(tmp_path, "pipe.txt")


def test_dev_urandom_is_refused_outside_the_workspace_and_as_a_device_when_allowed(tmp_path, monkeypatch, within_seconds):
    with pytest.raises(DataError, match=r'task\.data \("/dev/urandom"\) is /dev/urandom, outside the folders data may come'):
        lm_task(tmp_path, "/dev/urandom")
    monkeypatch.setenv("MLBTC_DATA_ROOTS", "/dev")
    with pytest.raises(DataError, match=r"is not a regular file \(a pipe, device or socket\)"):
        lm_task(tmp_path, "/dev/urandom")


def test_a_symlink_out_of_the_workspace_is_refused_naming_task_data_and_the_allowed_folders(tmp_path, monkeypatch):
    workspace, outside = tmp_path / "ws", tmp_path / "outside"
    (workspace / ".git").mkdir(parents=True)
    (workspace / "specs").mkdir()
    outside.mkdir()
    (outside / "t.txt").write_text(TEXT, encoding="utf-8")
    (workspace / "specs" / "link.txt").symlink_to(outside / "t.txt")
    with pytest.raises(DataError) as error:
        lm_task(workspace / "specs", "link.txt")
    assert str(error.value) == (
        f'{workspace / "specs" / "link.txt"}: task.data ("link.txt") is {outside / "t.txt"}, outside the folders data may '
        f"come from ({workspace}): the spec's workspace, and the folders of the machine setting mlbtc.dataRoots "
        "(MLBTC_DATA_ROOTS for mlbtc train). Move the file into the workspace or allow its folder there."
    )
    monkeypatch.setenv("MLBTC_DATA_ROOTS", os.pathsep.join(["relative/ignored", str(tmp_path / "missing"), str(outside)]))
    assert lm_task(workspace / "specs", "link.txt").corpus.file == str(workspace / "specs" / "link.txt")


def test_data_elsewhere_in_the_workspace_is_allowed_and_the_workspace_is_the_nearest_marked_folder(tmp_path):
    workspace = tmp_path / "ws"
    (workspace / ".mlbtc").mkdir(parents=True)
    (workspace / "data").mkdir()
    (workspace / "specs" / "deep").mkdir(parents=True)
    (workspace / "data" / "t.txt").write_text(TEXT, encoding="utf-8")
    assert workspace_root(str(workspace / "specs" / "deep")) == str(workspace)
    assert workspace_root(str(tmp_path)) == str(tmp_path)  # no marker above: the spec's own folder
    assert allowed_data_roots(str(workspace / "specs" / "deep"), {}) == [os.path.realpath(workspace)]
    lm_task(workspace / "specs" / "deep", "../../data/t.txt")


def test_a_file_outside_the_workspace_needs_an_allowed_root(tmp_path, monkeypatch):
    (tmp_path / "ws" / "spec").mkdir(parents=True)
    (tmp_path / "allowed").mkdir()
    (tmp_path / "allowed" / "t.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(DataError, match=r"outside the folders data may come from"):
        lm_task(tmp_path / "ws" / "spec", "../../allowed/t.txt")
    monkeypatch.setenv("MLBTC_DATA_ROOTS", str(tmp_path / "allowed"))
    assert len(lm_task(tmp_path / "ws" / "spec", "../../allowed/t.txt").corpus.vocabulary) == 28


def test_the_size_limit_comes_from_mlbtc_data_max_mb(tmp_path, monkeypatch):
    assert data_max_bytes({}) == 512 * 1024 * 1024
    for unusable in ("", "0", "-3", "lots", "Infinity"):
        assert data_max_bytes({"MLBTC_DATA_MAX_MB": unusable}) == 512 * 1024 * 1024
    assert data_max_bytes({"MLBTC_DATA_MAX_MB": " 0x10 "}) == 16 * 1024 * 1024  # as JavaScript's Number() reads it
    (tmp_path / "t.txt").write_text("x" * 200_000, encoding="utf-8")
    monkeypatch.setenv("MLBTC_DATA_MAX_MB", "0.1")
    with pytest.raises(DataError) as error:
        lm_task(tmp_path, "t.txt")
    assert str(error.value) == (
        f'{tmp_path / "t.txt"}: the data file is 0.2 MB, over the limit of 0.1 MB; raise it with the machine setting '
        "mlbtc.dataMaxMegabytes (MLBTC_DATA_MAX_MB for mlbtc train)."
    )
    monkeypatch.setenv("MLBTC_DATA_MAX_MB", "1")
    assert read_data_file(str(tmp_path), "t.txt", "language-model", "a UTF-8 text file")[1] == b"x" * 200_000


def test_a_folder_is_named_as_one(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(DataError, match=r'cannot read the data file named by task\.data \("d"\): it is a folder'):
        lm_task(tmp_path, "d")


def test_the_text_is_held_as_int32_ids_in_vocabulary_order(tmp_path):
    text = "ｚ𝒜ab\n" * 40
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    corpus = lm_task(tmp_path, "t.txt").corpus
    assert corpus.train.dtype == torch.int32 and corpus.val.dtype == torch.int32
    ids = {ch: i for i, ch in enumerate(corpus.vocabulary)}
    assert torch.cat([corpus.train, corpus.val]).tolist() == [ids[ch] for ch in text]
    batch = lm_task(tmp_path, "t.txt").next_batch(1)
    assert batch.inputs.dtype == torch.int64 and batch.targets.dtype == torch.int64
