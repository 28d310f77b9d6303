"""Exercise kinds and their variants: the registry KINDS, and Variant, built from a seed, a spec or a workbook.

A kind is one module here (kinds/parts/ holds what several kinds share), the only place that knows its
quantities. It provides:
  TITLE                       the sheet's title, {"en": ..., "ja": ...}
  sample(dice) -> dict        a candidate variant's spec, drawn with the seeded dice
  settle(params) -> dict|None the hand-friendly test: accept, trim or reject a candidate
  normalize(spec, dice)       validated, canonical parameters: the form a spec file has, defaults filled, the
                              trial order resolved (workbooks store them; from_meta normalizes them again)
  build(params) -> Worksheet  the quantities, their steps and the tables (a table of givens repeated above the
                              work tables has role="settings")
and optionally
  figures(variant, lang, key) -> list[dict]   SVG pictures for the printed sheet or key (worksheet/figures.py)
  replay(variant, steps, typed) -> Replay     the exercise continued by the engine (worksheet/replay.py)
  COURSE                      `matchbox course`: minutes (3-hour, full day), idea, talk points, formula
Adding a kind: its module, one line in KINDS, its README section and tests, then `matchbox pack`.
"""
from __future__ import annotations

import hashlib
import hmac
import importlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import MatchboxError, SpecError
from ..worksheet.dice import Dice
from ..worksheet.spec import Spec, load_toml

# kind name -> module, imported on first use so `matchbox --help` stays fast
KINDS = {
    "counting": "counting",
    "matchbox": "brain",
    "perceptron": "perceptron",
    "gates": "gates",
    "activations": "activations",
    "forward": "forward",
    "neuron": "neuron",
    "logistic": "logistic",
    "backprop": "backprop",
    "vanishing": "vanishing",
    "softmax": "softmax",
    "descent": "descent",
    "conv": "conv",
    "optimizers": "optimizers",
    "batchnorm": "batchnorm",
    "dropout": "dropout",
    "rnn": "rnn",
    "lstm": "lstm",
    "gru": "gru",
    "gan": "gan",
}


def kind_module(kind: str):
    if kind not in KINDS:
        raise MatchboxError(f"unknown exercise kind {kind!r} (choose from: {', '.join(KINDS)})")
    return importlib.import_module(f"{__name__}.{KINDS[kind]}")


def digest(kind: str, params: dict) -> str:
    blob = json.dumps({"kind": kind, "params": params}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Variant:
    """One exercise, fully determined: its kind, canonical parameters and the seed that made them."""

    kind: str
    params: dict
    seed: int
    name: str  # the kind for built-in variants, the spec file's stem for spec variants
    code: str | None = None  # a class drawn with a secret: the opaque code printed instead of the seed
    seal: str | None = None  # and the class secret's authentication of this variant (see `drawn`)

    @property
    def id(self) -> str:
        return f"{self.name}-{self.code or self.seed}"

    def sealed_by(self, secret: str) -> bool:
        """Whether this sealed variant was drawn with `secret`."""
        return self.seal is not None and hmac.compare_digest(self.seal, _seal(secret, self))

    @property
    def digest(self) -> str:
        return digest(self.kind, self.params)

    @cached_property
    def worksheet(self):
        return kind_module(self.kind).build(self.params)

    def meta(self) -> dict:
        from .. import FORMAT_VERSION, __version__
        return {"format": FORMAT_VERSION, "matchbox": __version__, "kind": self.kind, "name": self.name,
                "seed": self.seed, "params": self.params, "digest": self.digest,
                **({"seed": 0, "code": self.code, "seal": self.seal} if self.seal else {})}


def sampled(kind: str, seed: int) -> Variant:
    """The built-in variant of `kind` for `seed`: hand-friendly numbers, the same on every machine."""
    module = kind_module(kind)
    dice = Dice(seed)
    for _ in range(20_000):  # the strictest kind (perceptron) accepts about 1 draw in 270
        params = module.settle(module.normalize(Spec(module.sample(dice)), dice))
        if params is not None:
            return Variant(kind, params, seed, kind)
    raise MatchboxError(f"no hand-friendly {kind} variant found for seed {seed}; try another seed")


def from_spec(source: str | Path | dict, seed: int = 1, kind: str | None = None) -> Variant:
    """A variant from an instructor's spec (a TOML path or an already-read dict)."""
    if isinstance(source, dict):
        data, name = dict(source), None
    else:
        data, name = load_toml(source), Path(source).stem
    spec_kind = data.get("kind", kind)
    if spec_kind is None:
        raise SpecError(f"spec key 'kind': is required (one of: {', '.join(KINDS)})")
    if kind is not None and spec_kind != kind:
        raise SpecError(f"spec key 'kind': the spec says {spec_kind!r} but {kind!r} was asked for")
    if not isinstance(spec_kind, str) or spec_kind not in KINDS:
        raise SpecError(f"spec key 'kind': must be one of {', '.join(KINDS)}, got {spec_kind!r}")
    params = kind_module(spec_kind).normalize(Spec(data), Dice(seed))
    return Variant(spec_kind, params, seed, name or spec_kind)


def from_meta(meta: dict) -> Variant:
    """Rebuild the variant a workbook was made from, refusing parameters that were tampered with."""
    from .. import FORMAT_VERSION
    try:
        kind, params, seed, name = meta["kind"], meta["params"], int(meta["seed"]), str(meta["name"])
        fmt = int(meta["format"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise MatchboxError("the workbook's stored matchbox parameters are incomplete",
                            ja="ワークブックに保存された matchbox のパラメータが不完全です") from None
    if fmt > FORMAT_VERSION:
        raise MatchboxError(f"the workbook was made by a newer matchbox (format {fmt}); upgrade matchbox",
                            ja=f"新しい matchbox で作られたワークブックです(形式 {fmt})。matchbox を更新してください")
    if not isinstance(params, dict) or kind not in KINDS:
        raise MatchboxError("the workbook's stored matchbox parameters are damaged",
                            ja="ワークブックに保存された matchbox のパラメータが壊れています")
    if digest(kind, params) != meta.get("digest"):
        raise MatchboxError("the workbook's stored matchbox parameters were altered (checksum mismatch)",
                            ja="ワークブックに保存された matchbox のパラメータが書き換えられています(チェックサムが一致しません)")
    try:
        # Normalising again validates them, and fills keys added since the workbook was made with their
        # defaults (which keep the old behaviour), so an older workbook still grades.
        canonical = kind_module(kind).normalize(Spec(json.loads(json.dumps(params))), Dice(seed))
    except SpecError as e:
        raise MatchboxError(f"the workbook's stored matchbox parameters are invalid: {e}",
                            ja=f"ワークブックに保存された matchbox のパラメータが正しくありません: {e}") from None
    code, seal = meta.get("code"), meta.get("seal")
    if seal is not None and not (isinstance(seal, str) and isinstance(code, str) and code.isalnum()):
        raise MatchboxError("the workbook's stored matchbox parameters are damaged",
                            ja="ワークブックに保存された matchbox のパラメータが壊れています")
    return Variant(kind, canonical, seed, name, code, seal)


CODE_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/i/l to misread


def _mac(secret: str, text: str) -> bytes:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()


def _seal(secret: str, v: Variant) -> str:
    return _mac(secret, f"seal/{v.kind}/{v.name}/{v.code}/{v.digest}").hex()[:16]


def drawn(kind: str | None, position: int, spec: str | None = None, secret: str | None = None) -> Variant:
    """The variant at `position` of a class: the seed `position` itself without a secret; with one, a seed and
    a printed code drawn from HMAC-SHA256(secret, exercise/position), so neither the code nor a neighbour's
    variant tells anything of it, and the variant carries a seal only the secret makes (`solve` asks for it)."""
    if secret is None:
        return from_spec(spec, position, kind) if spec else sampled(kind, position)
    name = Path(spec).stem if spec else kind
    mac = _mac(secret, f"variant/{name}/{position}")
    seed = int.from_bytes(mac[:8], "big") >> 1
    v = from_spec(spec, seed, kind) if spec else sampled(kind, seed)
    v.code = "".join(CODE_LETTERS[b % len(CODE_LETTERS)] for b in mac[8:12])
    v.seal = _seal(secret, v)
    return v


def variants(kind: str | None, seed: int, count: int, spec: str | None = None,
             secret: str | None = None, fair: bool = True) -> list[Variant]:
    """`count` distinct variants, from seed, seed + 1, ... (skipping seeds that repeat a variant).

    A class of a built-in kind is fair (unless `fair` is False): every variant has the same `workload`, the
    first workload that `count` distinct variants share, which is as a rule the kind's commonest. One
    variant is the seed's own, as `generate --seed` makes it."""
    out: list[Variant] = []
    groups: dict[tuple, list[Variant]] = {}
    seen: set[str] = set()
    for s in range(seed, seed + 50 * count):
        v = drawn(kind, s, spec, secret)
        if v.digest not in seen and v.id not in seen:
            seen.update((v.digest, v.id))
            group = groups.setdefault(workload(v) if fair and not spec else (), [])
            group.append(v)
            out = max(out, group, key=len)
            if len(group) == count:
                return group
    raise MatchboxError(f"only {len(out)} distinct variants found; the spec has nothing random to vary "
                        "(set shuffle = true to vary the order)" if spec else
                        f"only {len(out)} distinct {kind} variants found")


def workload(v: Variant) -> tuple[int, int | None]:
    """What a learner does for this variant: its answer cells, and (perceptron-style kinds) the trials with
    d ≠ 0, where a wrong answer moves the weights (the harder rows)."""
    return len(v.worksheet.answers), weight_moves(v)


def weight_moves(v: Variant) -> int | None:
    """How many trials of a perceptron-style variant have d ≠ 0 (a wrong answer moves the weights);
    None for the other kinds."""
    module = kind_module(v.kind)
    if not hasattr(module, "items"):
        return None
    return int((module.items(v.params).run.d != 0).sum())


def titles() -> list[dict]:
    return [{"kind": k, "title": kind_module(k).TITLE} for k in KINDS]
