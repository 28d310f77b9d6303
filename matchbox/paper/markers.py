"""What makes a printed answer page findable and self-describing: four ArUco corner markers, and a QR code
that carries the variant (its parameters and seal, as a workbook stores them; never its answers) and the
page's number.

The page code is "MBX1:<page>:<data>", <data> the variant's meta as compact JSON, deflated with a preset
dictionary of the words every meta repeats, in base45 (RFC 9285): only characters of the QR's alphanumeric
mode, which packs 5.5 bits each, so the densest variant still fits a QR of version 10 at error level M.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

from ..errors import MatchboxError

PREFIX = "MBX1:"

# ArUco DICT_4X4_50 markers 0..3 (top-left, top-right, bottom-right, bottom-left): their 4 × 4 inner cells
# row by row, "1" white. OpenCV's dictionary written down (a test compares), so printing needs no OpenCV.
MARKER_BITS = {
    0: ("1011", "0101", "0011", "0010"),
    1: ("0000", "1111", "1001", "1010"),
    2: ("0011", "0011", "0010", "1101"),
    3: ("1001", "1001", "0100", "0110"),
}


@dataclass(frozen=True)
class Marker:
    id: int
    x: float  # top-left corner of the marker's black square, mm from the page's top-left corner
    y: float
    size: float
    bits: tuple[str, ...]  # MARKER_BITS[id]

    @property
    def corners(self) -> list[tuple[float, float]]:
        """The square's corners clockwise from its top-left, in the order ArUco reports them."""
        x, y, s = self.x, self.y, self.size
        return [(x, y), (x + s, y), (x + s, y + s), (x, y + s)]

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.size / 2, self.y + self.size / 2


# Deflate's preset dictionary: what the metas of the built-in kinds repeat (their keys, common values). It is
# part of the MBX1 format: changing it changes the code, so a new one needs a new prefix.
ZDICT = (
    '{"en":"chocolate","ja":"チョコ"},{"en":"chips","ja":"ポテチ"},{"en":"cookies","ja":"クッキー"},'
    '{"en":"gummies","ja":"グミ"},{"en":"rice crackers","ja":"せんべい"},{"en":"candy","ja":"あめ"}],'
    '"teacher_rule":{"prices":[,"budget":"items":[{"name":"A","inputs":[1,0,1],"teacher":1},'
    '"learn_threshold":true,false,"form":"gates":"composition":"points":"derivatives":"step_rule":'
    '"activation":"sigmoid","softmax","relu","tanh","identity","step","learn_bias":"compare":"shape":'
    '"per_unit","hidden_weights":"output_weights":"output_bias":"hidden_bias":"learn_biases":'
    '"weight_names":"matrix","scores":"log_epsilon":"image":"kernels":"stride":"pad":"pool":"max","avg",'
    '"optimizers":["sgd","momentum","adagrad","adam"],"beta1":0.9,"beta2":0.999,"gamma":"beta":"epsilon":'
    '"upstream":"ratio":"mask":"second_batch":"next_inputs":"next_mask":"next_upstream":"neuron":'
    '"recurrent_weights":"input_weights":"initial_state":"loss":"last","h0":"c0":"Wx":"Wh":"bhn":'
    '"generator_learning_rate":"generator_sees":"old","after":"coefficients":"center":"start":"steps":'
    '"targets":"target":"hidden":"output":"outputs":[0,1],"count":"lr":"epochs":2,"eps":'
    '"samples":[{"name":"A","inputs":[0,1],"teacher":0}],"weights":"bias":"biases":'
    '"initial_weights":[0,1,2],"threshold":1,"rule":">","learning_rate":0.5,'
    '"trials":["A","B","C","D","E","F"],"decimals":4},"digest":"","code":"","seal":"'
    '{"format":1,"kind":"","seed":1,"params":{'
).encode()

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data), 2):
        pair = data[i:i + 2]
        n = int.from_bytes(pair, "big")
        digits = 3 if len(pair) == 2 else 2
        for _ in range(digits):
            n, r = divmod(n, 45)
            out.append(BASE45[r])
    return "".join(out)


def b45decode(text: str) -> bytes:
    values = [BASE45.index(c) for c in text]  # ValueError for a character outside the alphabet
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i:i + 3]
        if len(chunk) == 1:
            raise ValueError("a base45 string never ends with one character")
        n = sum(v * 45 ** k for k, v in enumerate(chunk))
        size = 2 if len(chunk) == 3 else 1
        if n >= 256 ** size:
            raise ValueError("base45 value out of range")
        out += n.to_bytes(size, "big")
    return bytes(out)


def compact_meta(variant, lang: str | None = None) -> dict:
    """The variant's meta as the workbook keeps it, less what is rebuilt on reading (the writer's version;
    the name, when it is the kind's)."""
    meta = variant.meta()
    meta.pop("matchbox", None)
    if meta.get("name") == meta.get("kind"):
        meta.pop("name")
    if lang:
        meta["lang"] = lang
    return meta


def page_code(variant, page_number: int, lang: str | None = None) -> str:
    """The text of page `page_number`'s QR code (`lang`, the page's language, is carried too when given)."""
    blob = json.dumps(compact_meta(variant, lang), separators=(",", ":"), ensure_ascii=False,
                      sort_keys=True).encode()
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=ZDICT)
    return f"{PREFIX}{int(page_number)}:{b45encode(packer.compress(blob) + packer.flush())}"


def read_page_code(text: str) -> tuple[dict, int]:
    """The meta (as variant.meta() gives it, with "lang" when the code has it) and page number of a page
    code; a one-line MatchboxError for anything else."""
    bad = MatchboxError("this QR code is not a matchbox answer page's",
                        ja="この QR コードは matchbox の解答用紙のものではありません")
    if not isinstance(text, str) or not text.startswith(PREFIX) or len(text) > 4000:
        raise bad
    page, _, data = text[len(PREFIX):].partition(":")
    try:
        number = int(page)
        unpacker = zlib.decompressobj(-15, zdict=ZDICT)
        blob = unpacker.decompress(b45decode(data), 100_000)
        if unpacker.unconsumed_tail or not unpacker.eof:
            raise ValueError("truncated or oversized")
        meta = json.loads(blob.decode())
    except (ValueError, zlib.error, UnicodeDecodeError):
        raise bad from None
    if not isinstance(meta, dict) or not 1 <= number <= 999:
        raise bad
    meta.setdefault("name", meta.get("kind"))
    return meta, number


def parse_page_code(text: str):
    """(variant, page number) of a page code: the variant rebuilt and checked as a workbook's is."""
    from ..kinds import from_meta
    meta, number = read_page_code(text)
    return from_meta(meta), number


def page_code_lang(text: str) -> str | None:
    """The language the page was printed in, when its code says."""
    lang = read_page_code(text)[0].get("lang")
    return lang if lang in ("en", "ja") else None
