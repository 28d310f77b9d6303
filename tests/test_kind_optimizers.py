"""`optimizers`: each optimizer's column equals the engine's optimizer class and torch.optim on the same bowl."""
import numpy as np
import pytest

from matchbox.engine import surfaces as S
from matchbox.engine.optimizers import make_optimizer
from matchbox.errors import SpecError
from matchbox.kinds import from_meta, from_spec, sampled, variants

from conftest import check_end_to_end

BOOK = {"kind": "optimizers", "optimizers": ["sgd", "momentum", "adagrad", "rmsprop", "adam"], "steps": 5,
        "decimals": 12}


def engine_run(name, settings, a, c, start, steps):
    opt = make_optimizer(name, settings["lr"], **{k: v for k, v in settings.items() if k != "lr"})
    params, out = {"x": np.array(start, float)}, []
    for _ in range(steps):
        opt.update(params, {"x": S.gradient(params["x"], a, c)})
        out.append(params["x"].copy())
    return out


@pytest.mark.parametrize("spec", [BOOK, {**BOOK, "coefficients": [1], "center": [1], "start": [3]}])
def test_sheet_equals_the_engines_optimizers(spec):
    v = from_spec(spec)
    key, p = v.worksheet.key(), v.params
    for name in p["optimizers"]:
        run = engine_run(name, p[name], p["coefficients"], p["center"], p["start"], p["steps"])
        for k, x in enumerate(run, 1):
            assert [key[f"{name}_x{i}_{k}"] for i in range(len(x))] == pytest.approx(x.tolist(), abs=1e-12), name


def test_torch_takes_the_same_steps():
    torch = pytest.importorskip("torch")
    v = from_spec(BOOK)
    key, p = v.worksheet.key(), v.params
    make = {"sgd": lambda s, w: torch.optim.SGD([w], lr=s["lr"]),
            "momentum": lambda s, w: torch.optim.SGD([w], lr=s["lr"], momentum=s["momentum"]),
            "adagrad": lambda s, w: torch.optim.Adagrad([w], lr=s["lr"], eps=s["eps"]),
            "rmsprop": lambda s, w: torch.optim.RMSprop([w], lr=s["lr"], alpha=s["decay"], eps=s["eps"]),
            "adam": lambda s, w: torch.optim.Adam([w], lr=s["lr"], betas=(s["beta1"], s["beta2"]), eps=s["eps"])}
    for name in p["optimizers"]:
        w = torch.tensor(p["start"], dtype=torch.float64, requires_grad=True)
        opt = make[name](p[name], w)
        for k in range(1, p["steps"] + 1):
            opt.zero_grad()
            (torch.tensor(p["coefficients"], dtype=torch.float64) * w ** 2).sum().backward()
            opt.step()
            assert [key[f"{name}_x{i}_{k}"] for i in range(2)] == pytest.approx(w.tolist(), abs=1e-10), name


def test_first_steps_by_hand():
    """From x = −7 on 0.05x²: g = −0.7. SGD η = 0.95: x' = −7 + 0.665 = −6.335. Adam's first step moves
    by η whatever g is: m̂ = g, v̂ = g²."""
    key = from_spec(BOOK).worksheet.key()
    assert key["sgd_g0_1"] == pytest.approx(-0.7) and key["sgd_x0_1"] == pytest.approx(-6.335)
    assert key["adam_mh0_1"] == pytest.approx(-0.7) and key["adam_sh0_1"] == pytest.approx(0.49)
    assert key["adam_x0_1"] == pytest.approx(-7 + 0.3, abs=1e-7)


@pytest.mark.parametrize("seed", range(1, 6))
def test_seeded_variants(seed):
    v = sampled("optimizers", seed)
    assert len(v.params["start"]) == 1 and v.params["optimizers"] == ["sgd", "momentum", "adagrad", "adam"]
    assert from_meta(v.meta()).worksheet.key() == v.worksheet.key()


def test_variants_are_distinct():
    assert len({v.digest for v in variants("optimizers", 1, 5)}) == 5


@pytest.mark.parametrize("spec,message", [({"optimizers": ["lbfgs"]}, "unknown optimizer 'lbfgs'"),
                                          ({"optimizers": ["sgd"], "adam": {"lr": 0.1}}, "'adam'"),
                                          ({"sgd": {"lr": 0.1, "rate": 1}}, "sgd.rate"),
                                          ({"adam": {"beta1": 1}}, "adam.beta1")])
def test_bad_spec_names_the_key(spec, message):
    with pytest.raises(SpecError, match=message):
        from_spec({"kind": "optimizers", **spec})


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_end_to_end_with_a_slip_carried(tmp_path, lang):
    check_end_to_end(tmp_path, sampled("optimizers", 3), lang, slip="momentum_v0_1")
