"""`matchbox export KIND|--spec|WORKBOOK --to torch`: the script it writes runs in PyTorch and prints every
quantity of the sheet, beside the cell the learner wrote it in, agreeing with the sheet's key."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from matchbox.errors import MatchboxError
from matchbox.export.hand import EXPORTABLE, export_hand
from matchbox.kinds import from_spec, sampled
from matchbox.workbook.layout import layout

pytest.importorskip("torch")

README = Path(__file__).resolve().parents[1] / "README.md"
LINE = re.compile(r"^(?P<label>.*) = (?P<value>-?\d+(?:\.\d+)?)   \((?:your cell|解答欄) (?P<cell>[^!]+![A-Z]+\d+)\)$")
SEEDS = range(1, 21)  # twenty sampled sheets of each kind, their scripts run in one Python process
RUNNER = "import sys\nfor f in sys.argv[1:]:\n    print('@@ ' + f)\n    exec(open(f, encoding='utf-8').read(), {'__name__': '__main__'})\n"


def run_scripts(paths: list[Path]) -> dict[Path, list[str]]:
    """Every script in one Python process (torch imports once): the lines each printed."""
    done = subprocess.run([sys.executable, "-c", RUNNER, *map(str, paths)], capture_output=True, text=True, check=False,
                          encoding="utf-8", timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out: dict[Path, list[str]] = {}
    for line in done.stdout.splitlines():
        if line.startswith("@@ "):
            current = out.setdefault(Path(line[3:]), [])
        else:
            current.append(line)
    return out


def printed(lines: list[str], variant, lang: str) -> dict[str, tuple[str, float]]:
    """quantity name -> (label, value) of every printed line, found by the cell it names."""
    by_cell = {f"{p.sheet}!{p.cell}": name for name, p in layout(variant.worksheet, lang).home.items()}
    out = {}
    for line in lines:
        m = LINE.match(line)
        assert m, f"not a quantity line: {line!r}"
        out[by_cell[m["cell"]]] = (m["label"], float(m["value"]))
    return out


def assert_equals_key(variant, values: dict[str, tuple[str, float]]) -> None:
    """Every answer of the sheet is printed, and each printed number is the key's, digit for digit: the script
    rounds as the sheet does, and works each slope from the rounded value as the learner does."""
    ws = variant.worksheet
    key = ws.answer_key()
    assert set(values) == {q.name for q in ws.answers}  # PyTorch computes them all for the kinds exported
    for q in ws.answers:
        # the printed text has the sheet's decimals: equal up to the float that text reads back as
        tolerance = 1e-9 if q.precision.exact else 1e-6 * 10.0 ** -q.precision.decimals
        assert abs(values[q.name][1] - key[q.name]) <= tolerance, (variant.id, q.name, values[q.name][1], key[q.name])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    made = {}
    for kind in EXPORTABLE:
        for seed in SEEDS:
            made[kind, seed, "en"] = export_hand(kind, seed, None, "torch", out / "en", "en", None)[0]
        made[kind, 1, "ja"] = export_hand(kind, 1, None, "torch", out / "ja", "ja", None)[0]
    return made, run_scripts(list(made.values()))


@pytest.mark.parametrize("kind", sorted(EXPORTABLE))
def test_every_quantity_printed_and_equal_to_the_key(runs, kind):
    made, lines = runs
    for seed in SEEDS:
        variant = sampled(kind, seed)
        assert_equals_key(variant, printed(lines[made[kind, seed, "en"]], variant, "en"))


@pytest.mark.parametrize("kind", sorted(EXPORTABLE))
def test_japanese_script_speaks_japanese(runs, kind):
    made, lines = runs
    variant = sampled(kind, 1)
    values = printed(lines[made[kind, 1, "ja"]], variant, "ja")
    assert_equals_key(variant, values)
    # an English word: three letters or more, some lower case (OH, Wx are symbols); the method names the
    # glossary keeps in Latin letters, the math functions and the GRU's weight symbols are not English words
    allowed = {"AdaGrad", "RMSprop", "Adam", "tanh", "max", "ReLU", "Wxr", "Whr", "Wxz", "Whz", "Wxn", "Whn", "bhn"}
    for label, _ in values.values():
        words = {w for w in re.findall(r"[A-Za-z]{3,}", label) if not w.isupper()} - allowed
        assert not words, (label, words)
    source = made[kind, 1, "ja"].read_text(encoding="utf-8")
    assert "解答欄" in source and "your cell" not in source


def readme_spec(kind_line: str, title: str, tmp_path: Path) -> Path:
    """A spec example of the README: the TOML block that has both lines."""
    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    block = next(b for b in blocks if kind_line in b and title in b)
    path = tmp_path / "mazur.toml"
    path.write_text(block, encoding="utf-8")
    return path


def test_spec_mazur_example(tmp_path):
    spec = readme_spec('kind = "backprop"', "Mazur", tmp_path)
    path = export_hand(None, 1, spec, "torch", tmp_path / "out", None, None)[0]
    assert path.name == "mazur-seed1.py"
    variant = from_spec(spec, 1)
    values = printed(run_scripts([path])[path], variant, "en")
    assert_equals_key(variant, values)  # his numbers, to 9 decimals
    assert values["E1"][1] == pytest.approx(0.298371109, abs=1e-9)


# the shapes the sampled sheets never take: two hidden units and an output at every step, two inputs per step
# and a loss at every step, a forward-only batch normalisation of three features
SPECS = {
    "rnn2": 'kind = "rnn"\nhidden = 2\noutputs = "every"\ninputs = [1.0, -0.5]\ntargets = [0.2, -0.1]\n',
    "lstm2": 'kind = "lstm"\nloss = "every"\ninputs = [[1.0, 0.5], [-0.5, 2.0], [0.3, -1.0]]\n'
             'targets = [0.5, -0.2, 0.1]\ninput_weights = [[0.5, -0.3, 0.8, 0.2], [0.1, 0.4, -0.6, 0.3]]\n'
             'hidden_weights = [0.2, -0.5, 0.7, 0.4]\nbias = [0.1, 1.0, 0.0, -0.2]\nh0 = 0.3\nc0 = -0.5\n',
    "batchnorm3": 'kind = "batchnorm"\ninputs = [[1, 4, 0], [3, 2, 5], [2, 0, 1]]\ngamma = [2, 0.5, 1]\n'
                  'beta = 1\nbackward = false\n',
}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_recurrent_and_batchnorm_shapes_from_specs(tmp_path, lang):
    paths, variants = [], []
    for name, text in SPECS.items():
        spec = tmp_path / f"{name}.toml"
        spec.write_text(text, encoding="utf-8")
        paths += export_hand(None, 1, spec, "torch", tmp_path / name, lang, None)
        variants.append(from_spec(spec, 1))
    lines = run_scripts(paths)
    for path, variant in zip(paths, variants):
        values = printed(lines[path], variant, lang)
        assert_equals_key(variant, values)


def test_scripts_show_the_steps_as_the_sheet_writes_them(runs):
    made, _ = runs
    source = {kind: made[kind, 1, "en"].read_text(encoding="utf-8") for kind in EXPORTABLE}
    # autograd does every backward pass; a sigmoid or tanh is a small autograd Function whose slope comes from
    # the rounded value, and the softmax's gradient is PyTorch's cross_entropy's, but for that rounding
    for kind in ("neuron", "backprop", "lstm", "gru"):
        assert "class Sigmoid(torch.autograd.Function):" in source[kind] and ".backward()" in source[kind]
    assert "y = rounded(Sigmoid.apply(u))" in source["neuron"]
    assert "largest, exps, total, y = Softmax.apply(a)" in source["softmax"]
    assert "torch.nn.functional.cross_entropy(" in source["softmax"]
    # batch normalisation written out, then compared with PyTorch's layer in training mode
    assert "variance = as_written((deviation ** 2).mean(dim=0))" in source["batchnorm"]
    assert "batch_norm(x, None, None, gamma, beta, training=True" in source["batchnorm"]
    # the recurrent kinds unrolled over the sheet's time steps, then one backward call
    T = len(sampled("rnn", 1).params["inputs"])
    assert f"h{T} = as_written(Tanh.apply(a{T}))" in source["rnn"] and "E.backward()" in source["rnn"]
    assert "c2 = as_written(f2 * c1 + i2 * g2)" in source["lstm"] and "loss.backward()" in source["lstm"]
    assert "i2 = rounded(Sigmoid.apply(a2[0]))" in source["lstm"] and "tc2 = rounded(Tanh.apply(c2))" in source["lstm"]
    assert "h2 = as_written((1 - z2) * n2 + z2 * h1)" in source["gru"] and "E.backward()" in source["gru"]


def test_workbook_cells_and_language(tmp_path):
    done = subprocess.run([sys.executable, "-m", "matchbox", "generate", "neuron", "--seed", "4", "--lang", "ja",
                           "-o", str(tmp_path / "books")], capture_output=True, text=True, cwd=README.parent, check=False)
    assert done.returncode == 0, done.stderr
    book = next(b for b in (tmp_path / "books").glob("**/*.xlsx") if "key" not in b.name.lower())
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "matchbox", "export", str(book), "--to", "torch", "-o", str(out)],
                          capture_output=True, text=True, cwd=README.parent, check=False)
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path.name == "neuron-seed4.py"
    variant = sampled("neuron", 4)
    values = printed(run_scripts([path])[path], variant, "ja")  # the workbook's language, its cells
    assert_equals_key(variant, values)


def test_onnx_and_kinds_without_torch(tmp_path):
    with pytest.raises(MatchboxError, match="ONNX is for models trained"):
        export_hand("neuron", 1, None, "onnx", tmp_path, None, None)
    with pytest.raises(MatchboxError, match="these kinds export: neuron"):
        export_hand("perceptron", 1, None, "torch", tmp_path, None, None)
    assert not list(tmp_path.iterdir())
