"""Fair classes (issue 14, item 5): every learner of a class gets the same work, and the sheet says how much."""
import re

import openpyxl
import pytest

from matchbox.kinds import KINDS, kind_module, sampled, variants, weight_moves, workload
from matchbox.kinds.parts import trials
from matchbox.printable import render_html
from matchbox.words import LANGS
from matchbox.workbook.writer import write_workbook
from matchbox.worksheet.dice import Dice
from matchbox.worksheet.spec import Spec

TRIAL_KINDS = [k for k in KINDS if hasattr(kind_module(k), "items")]


@pytest.mark.parametrize("kind", KINDS)
def test_a_class_of_30_has_one_workload(kind):
    cls = variants(kind, 1, 30)
    assert len(cls) == 30 and len({v.digest for v in cls}) == 30
    loads = {workload(v) for v in cls}
    assert len(loads) == 1, loads
    cells, moves = loads.pop()
    assert cells == len(cls[0].worksheet.answers) > 0
    if kind in TRIAL_KINDS:  # the same number of trials where a wrong answer moves the weights
        assert moves == sum(1 for d in kind_module(kind).items(cls[0].params).run.d if d != 0) >= 3
    else:
        assert moves is None


@pytest.mark.parametrize("kind", ["counting", "matchbox", "perceptron", "neuron", "conv"])
def test_without_fairness_the_same_class_would_differ(kind):
    """The kinds whose size is drawn: a class drawn seed after seed mixes workloads; the fair one does not."""
    assert len({workload(v) for v in variants(kind, 1, 30, fair=False)}) > 1


@pytest.mark.parametrize("kind", KINDS)
def test_one_variant_is_the_seeds_own(kind):
    for seed in (1, 7):
        assert variants(kind, seed, 1)[0].digest == sampled(kind, seed).digest


@pytest.mark.parametrize("kind", TRIAL_KINDS)
def test_the_quick_pass_never_refuses_what_the_engine_accepts(kind, monkeypatch):
    """worth_running only saves time: settle gives the same verdict with it as with the engine alone."""
    module = kind_module(kind)
    candidates = []
    for seed in range(1, 40):
        dice = Dice(seed)
        candidates += [module.normalize(Spec(module.sample(dice)), dice) for _ in range(60)]
    quick = [module.settle(c) for c in candidates]
    monkeypatch.setattr(trials, "worth_running", lambda *a, **k: True)
    slow = [module.settle(c) for c in candidates]
    assert quick == slow
    assert sum(v is not None for v in slow) > 0


def printed_count(text: str) -> int:
    found = re.findall(r"(?:There are (\d+) answer boxes to fill in\.|解答欄は (\d+) 個です。)", text)
    assert len(found) == 1, found
    return int("".join(found[0]))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_printed_sheet_says_how_many_boxes(kind, lang):
    v = variants(kind, 2, 2)[1]
    for key in (False, True):
        html = render_html(v, lang, key=key)
        boxes = len(re.findall(r'<td class="answer"', html))
        assert printed_count(html) == boxes == len(v.worksheet.answers)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["matchbox", "conv", "backprop"])
def test_the_workbook_says_how_many_cells(kind, lang, tmp_path):
    v = variants(kind, 3, 2)[1]
    wb = openpyxl.load_workbook(write_workbook(v, lang, tmp_path / "w.xlsx"))
    exercise = wb.worksheets[0]
    said = [c.value for row in exercise.iter_rows() for c in row if isinstance(c.value, str)
            and ("answer boxes" in c.value or "解答欄は" in c.value)]
    assert len(said) == 1
    yellow = sum(1 for s in wb.worksheets for row in s.iter_rows() for c in row  # the cells a learner types in
                 if s.protection.sheet and not c.protection.locked and c.fill.fgColor.rgb.endswith("FFF2CC"))
    name_cells = 1  # the learner's name is the only other one
    assert printed_count(said[0]) == yellow - name_cells == len(v.worksheet.answers)
    assert weight_moves(v) is None or weight_moves(v) >= 3
