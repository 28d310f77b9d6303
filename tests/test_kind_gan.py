"""The `gan` kind: one training step of a one-dimensional GAN, G(z) = a·z + b against D(x) = σ(w·x + c).

Independent checks: a step worked by hand (w = c = 0, where D says ½ to everything), PyTorch (float64) autograd
of the same two losses for every gradient (the generator's through D before or after its update, as the sheet
says), central differences, and the engine's training loop against the sheet's first step. The slips are typed
into real workbooks (English and Japanese) and named; every wrong number is plain arithmetic here."""
import json
import math
import re

import numpy as np
import pytest

from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants
from matchbox.views.feedback import grade_in_words as grade
from matchbox.workbook.reader import read_filled

from conftest import answers_of, check_end_to_end, fill, make_workbooks, numerical

torch = pytest.importorskip("torch")

GIVEN = {"a": 1.2, "b": 0.3, "w": -0.9, "c": 0.7, "x": -0.1, "z": 2, "learning_rate": 0.5}


def sheet(**spec):
    return from_spec({"kind": "gan", **GIVEN, **spec})


def sigmoid(u):
    return 1 / (1 + math.exp(-u))


# --- by hand ---------------------------------------------------------------------------------------------------

def test_one_step_by_hand():
    """w = c = 0: D says ½ to the real and the fake, L_D = 2 ln 2, the deltas −½ and ½; x = 1, x̃ = 1·1 − 1 = 0:
    ∂L_D/∂w = −½·1 + ½·0 = −½, ∂L_D/∂c = 0, so w' = ½ (η = 1). L_G = ln 2, its delta −½, and through w = 0 the
    generator gets no gradient at all (with the old D); through the new w' = ½ it gets −¼."""
    spec = {"a": 1, "b": -1, "w": 0, "c": 0, "x": 1, "z": 1, "learning_rate": 1}
    key = from_spec({"kind": "gan", **spec}).worksheet.key()
    assert [key[q] for q in ("xf", "ur", "Dr", "uf", "Df")] == [0, 0, 0.5, 0, 0.5]
    assert key["LD"] == pytest.approx(2 * math.log(2), abs=1e-15)
    assert [key[q] for q in ("gr", "gf", "gw", "gc", "w1", "c1")] == [-0.5, 0.5, -0.5, 0, 0.5, 0]
    assert key["LG"] == pytest.approx(math.log(2), abs=1e-15)
    assert [key[q] for q in ("hu", "hx", "ha", "hb", "a1", "b1")] == [-0.5, 0, 0, 0, 1, -1]
    new = from_spec({"kind": "gan", **spec, "generator_sees": "new"}).worksheet.key()
    assert new["Df1"] == 0.5 and new["hx"] == -0.25 and new["a1"] == 1.25 and new["b1"] == -0.75


# --- independent computations ----------------------------------------------------------------------------------

def t64(v):
    return torch.tensor(float(v), dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("sees", ["old", "new"])
def test_every_gradient_is_torch_autograd(seed, sees):
    p = {**sampled("gan", seed).params, "generator_sees": sees}
    key = from_spec({"kind": "gan", **p}).worksheet.key()
    a, b, w, c = t64(p["a"]), t64(p["b"]), t64(p["w"]), t64(p["c"])
    x, z, lr = p["x"], p["z"], p["learning_rate"]
    fake = a * z + b
    fake.retain_grad()
    u_real, u_fake = w * x + c, w * fake.detach() + c
    u_real.retain_grad()
    u_fake.retain_grad()
    bce = torch.nn.functional.binary_cross_entropy
    loss_d = bce(torch.sigmoid(u_real), torch.tensor(1.0, dtype=torch.float64)) \
        + bce(torch.sigmoid(u_fake), torch.tensor(0.0, dtype=torch.float64))
    assert loss_d.item() == pytest.approx(key["LD"], abs=1e-12)
    loss_d.backward()
    assert [u_real.grad.item(), u_fake.grad.item(), w.grad.item(), c.grad.item()] == pytest.approx(
        [key["gr"], key["gf"], key["gw"], key["gc"]], abs=1e-12)
    w_new, c_new = p["w"] - lr * w.grad.item(), p["c"] - lr * c.grad.item()
    assert [w_new, c_new] == pytest.approx([key["w1"], key["c1"]], abs=1e-12)
    seen_w, seen_c = (p["w"], p["c"]) if sees == "old" else (w_new, c_new)
    u_g = seen_w * fake + seen_c  # D's parameters held fixed: only G learns here
    u_g.retain_grad()
    loss_g = -torch.log(torch.sigmoid(u_g))
    assert loss_g.item() == pytest.approx(key["LG"], abs=1e-12)
    loss_g.backward()
    assert [u_g.grad.item(), fake.grad.item(), a.grad.item(), b.grad.item()] == pytest.approx(
        [key["hu"], key["hx"], key["ha"], key["hb"]], abs=1e-12)
    assert [p["a"] - lr * a.grad.item(), p["b"] - lr * b.grad.item()] == pytest.approx(
        [key["a1"], key["b1"]], abs=1e-12)


@pytest.mark.parametrize("sees", ["old", "new"])
def test_every_gradient_is_the_central_difference(sees):
    key = sheet(generator_sees=sees).worksheet.key()
    g = GIVEN

    def loss_d():
        fake = g["a"] * g["z"] + g["b"]
        return -math.log(sigmoid(d[0] * g["x"] + d[1])) - math.log(1 - sigmoid(d[0] * fake + d[1]))

    d = np.array([g["w"], g["c"]], float)
    assert numerical(loss_d, d).tolist() == pytest.approx([key["gw"], key["gc"]], abs=1e-8)
    seen = (g["w"], g["c"]) if sees == "old" else (key["w1"], key["c1"])
    gen = np.array([g["a"], g["b"]], float)
    loss_g = lambda: -math.log(sigmoid(seen[0] * (gen[0] * g["z"] + gen[1]) + seen[1]))  # noqa: E731
    assert numerical(loss_g, gen).tolist() == pytest.approx([key["ha"], key["hb"]], abs=1e-8)
    fake = np.array([key["xf"]])
    through = lambda: -math.log(sigmoid(seen[0] * fake[0] + seen[1]))  # noqa: E731
    assert numerical(through, fake)[0] == pytest.approx(key["hx"], abs=1e-8)


def test_the_saturating_loss_hardly_moves_a_rejected_fake():
    """The lesson of −ln D(x̃): where D rejects the fake (D(x̃) ≤ 0.35 on every seeded sheet), the saturating
    gradient −D(x̃)·w is at most about half of the non-saturating (D(x̃) − 1)·w."""
    for seed in range(1, 11):
        v = sampled("gan", seed)
        key = v.worksheet.key()
        saturating = -key["Df"] * v.params["w"]
        assert abs(saturating) <= 0.55 * abs(key["hx"])


def test_the_engine_trains_the_sheets_gan():
    from matchbox.training.replay import replay
    v = sampled("gan", 2)
    key, r = v.worksheet.key(), replay(v, 3000)
    assert r.series["D(x)"][0] == pytest.approx(key["Dr"], abs=1e-12)
    assert r.series["D(G(z))"][0] == pytest.approx(key["Df"], abs=1e-12)
    assert r.series["b"][1] == pytest.approx(key["b1"], abs=1e-12)  # the sheet's step, then the engine's
    x = v.params["x"]
    assert abs(np.mean(r.series["b"][-1000:]) - x) < 0.4 < abs(v.params["b"] - x)  # the fake moved to the real
    assert 0.35 < np.mean(r.series["D(G(z))"][-1000:]) < 0.65  # and D can no longer tell


# --- seeded variants -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(1, 11))
def test_seeded_variants_are_hand_friendly(seed):
    v = sampled("gan", seed)
    p, key = v.params, v.worksheet.key()
    assert p["decimals"] == 4 and p["learning_rate"] in (0.5, 1) and p["generator_learning_rate"] == p["learning_rate"]
    assert p["generator_sees"] == "old" and p["after"]
    for name in ("a", "b", "w", "c", "x", "z"):
        assert round(p[name], 1) == p[name] and abs(p[name]) <= 2
    assert abs(p["z"]) not in (0, 1) and p["w"] != 0
    assert 0.6 <= key["Dr"] <= 0.9 and 0.1 <= key["Df"] <= 0.35  # clearly not ½: D has something to learn
    assert key["Dr2"] > key["Dr"] and key["Df1"] < key["Df"] and key["Dn2"] > key["Df1"]  # both learned
    gap, new_gap = key["xf"] - p["x"], key["xf2"] - p["x"]
    assert 0 < new_gap / gap < 1  # the fake moved toward the real without passing it
    assert len(v.worksheet.answers) == 26
    again = from_meta(json.loads(json.dumps(v.meta())))
    assert again.params == p and again.worksheet.key() == key


def test_variants_are_distinct_and_pinned():
    assert len({v.digest for v in variants("gan", 1, 12)}) == 12
    p = sampled("gan", 1).params
    assert [p[k] for k in ("a", "b", "w", "c", "x", "z", "learning_rate")] == [1.5, -0.5, 1.1, 0.7, 1.3, -0.5, 1]


def test_the_options_shape_the_sheet():
    assert len(sheet(after=False).worksheet.answers) == 19
    new = sheet(generator_sees="new").worksheet
    assert len(new.answers) == 26 and "uf1" in {q.name for q in new.answers}
    two = sheet(generator_learning_rate=0.25).worksheet
    assert two.key()["a1"] == pytest.approx(GIVEN["a"] - 0.25 * two.key()["ha"], abs=1e-15)
    assert "η_G" in two.quantities["a1"].formula


@pytest.mark.parametrize("spec,message", [
    ({"a": None}, "spec key 'a': is required"),
    ({"x": "one"}, "spec key 'x': expected a number"),
    ({"learning_rate": 0}, "spec key 'learning_rate': must be greater than 0"),
    ({"generator_learning_rate": -1}, "spec key 'generator_learning_rate': must be greater than 0"),
    ({"generator_sees": "updated"}, "spec key 'generator_sees': must be one of 'old', 'new'"),
    ({"after": "yes"}, "spec key 'after': expected true or false"),
    ({"decimals": 0}, "spec key 'decimals': must be at least 1"),
    ({"steps": 2}, "spec key 'steps': unknown key"),
    ({"w": 40, "decimals": 2}, "spec key 'w': D(x̃) rounds to 1 at 2 decimals"),
])
def test_bad_spec_names_the_key(spec, message):
    data = {"kind": "gan", **GIVEN, **spec}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(SpecError, match=re.escape(message)):
        from_spec(data)


# --- named slips, typed into real workbooks --------------------------------------------------------------------

SATURATING = {"en": "the saturating loss ln(1 − D(x̃)) used for the generator",
              "ja": "生成器に飽和型の損失 ln(1 − D(x̃)) を使っています"}
SATURATING_GRAD = {"en": "the saturating loss's gradient −D(x̃) used", "ja": "生成器に飽和型の損失の勾配 −D(x̃) を使っています"}
UPDATED = {"en": "taken with the already-updated discriminator (w', c')", "ja": "生成器のステップに更新後の識別器(w', c')を使っています"}
OLD = {"en": "taken with the discriminator before its update (w, c)", "ja": "生成器のステップに更新前の識別器(w, c)を使っています"}
BASE10 = {"en": "base-10 log used instead of the natural log ln", "ja": "自然対数 ln ではなく常用対数 log₁₀ を使用"}
SIGN = {"en": "sign reversed (1 − D(x) instead of D(x) − 1)", "ja": "符号の取り違え (D(x) − 1 ではなく 1 − D(x))"}
STEP_SIGN = {"en": "sign of the update reversed (w + η·g instead of w − η·g", "ja": "更新の符号の誤り (w − η·g ではなく w + η·g"}
NEW_W = {"en": "the new weight w' used where the old weight w belongs", "ja": "更新前の重み w を使うところで更新後の重み w' を使用"}


def slips_old(k, p):
    """(cell, wrong number from the learner's own rounded numbers k, slip id, words)."""
    seen_new = sigmoid(k["w1"] * k["xf"] + k["c1"])
    return [("LG", math.log(1 - k["Df"]), "gan-saturating-loss", SATURATING),
            ("LG", -math.log(seen_new), "gan-updated-d", UPDATED),
            ("LG", -math.log10(k["Df"]), "base10-log", BASE10),
            ("hu", -k["Df"], "gan-saturating-loss", SATURATING_GRAD),
            ("hu", seen_new - 1, "gan-updated-d", UPDATED),
            ("hx", k["hu"] * k["w1"], "new-weight-used", NEW_W),
            ("hx", (seen_new - 1) * k["w1"], "gan-updated-d", UPDATED),
            ("LD", -math.log10(k["Dr"]) - math.log10(1 - k["Df"]), "base10-log", BASE10),
            ("gr", 1 - k["Dr"], "sign-reversed", SIGN),
            ("w1", p["w"] + p["learning_rate"] * k["gw"], "gradient-sign", STEP_SIGN),
            ("a1", p["a"] + p["learning_rate"] * k["ha"], "gradient-sign", STEP_SIGN)]


def slips_new(k, p):
    return [("LG", -math.log(k["Df"]), "gan-old-d", OLD),
            ("hu", k["Df"] - 1, "gan-old-d", OLD),
            ("hx", (k["Df"] - 1) * p["w"], "gan-old-d", OLD),
            ("LG", math.log(1 - k["Df1"]), "gan-saturating-loss", SATURATING)]


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("sees", ["old", "new"])
def test_the_classic_slips_are_named(tmp_path, lang, sees):
    v = sampled("gan", 1) if sees == "old" else from_spec({"kind": "gan", **sampled("gan", 1).params,
                                                           "generator_sees": "new"})
    _, learner, _ = make_workbooks(tmp_path, variant=v, lang=lang)
    typed_key = {n: round(x, 4) for n, x in answers_of(v).items()}
    k, exact = {**{q.name: q.value for q in v.worksheet.givens}, **typed_key}, v.worksheet.key()
    for i, (name, wrong, slip_id, words) in enumerate((slips_old if sees == "old" else slips_new)(k, v.params)):
        typed = round(wrong, 4)
        assert abs(typed - exact[name]) > 1e-4, (name, slip_id)
        report = grade(read_filled(fill(learner, v, lang, {**typed_key, name: typed}, tmp_path / f"slip{i}.xlsx")))
        cell = next(c for c in report.cells if c.quantity == name)
        assert cell.status == "incorrect" and cell.slip_id == slip_id, (name, slip_id, cell.feedback)
        assert words[lang] in cell.feedback, cell.feedback


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("slip", ["Df", "hx"])
def test_one_slip_costs_one_cell_and_later_cells_are_carried(tmp_path, lang, slip):
    check_end_to_end(tmp_path, sampled("gan", 3), lang, slip)


# --- figures and pages -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_figures_show_the_number_line(lang):
    from matchbox.kinds import gan
    v = sampled("gan", 1)
    (sheet_fig,), (key_fig,) = gan.figures(v, lang, False), gan.figures(v, lang, True)
    assert sheet_fig["svg"].count("<circle") == 2 and key_fig["svg"].count("<circle") == 2 + 4
    assert "x̃" not in sheet_fig["svg"] + key_fig["svg"]  # WeasyPrint's SVG text breaks on a combining tilde
    assert sheet_fig["caption"] and key_fig["caption"] != sheet_fig["caption"]
