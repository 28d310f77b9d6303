"""The engine's perceptron functions, and its online trainer, on cases small enough to check by hand."""
import numpy as np
import pytest

from matchbox.engine import functions as F
from matchbox.engine.perceptron import count_errors, predict, train_perceptron


def test_step_states_its_tie_rule():
    assert F.step(2.0, 2.0) == 1.0  # u ≥ θ fires on a tie
    assert F.step(2.0, 2.0, strict=True) == 0.0  # u > θ does not
    assert F.step(1.9, 2.0) == 0.0
    assert list(F.step(np.array([-1.0, 0.0, 1.0]))) == [0.0, 1.0, 1.0]


def test_weighted_sum_and_delta_rule():
    assert F.weighted_sum([1, 0, 1], [2, 5, 3]) == 5
    assert F.error(1, 0) == 1 and F.error(0, 1) == -1
    assert list(F.delta_rule(np.array([1.0, 2.0]), np.array([1.0, 0.0]), -1, 0.5)) == [0.5, 2.0]
    assert F.delta_rule(2.0, -1.0, 1, 1) == 1.0  # a learned threshold moves against the weights


def test_decision_line():
    # -1 + 1·x1 + 2·x2 = 0  ->  x2 = -0.5·x1 + 0.5
    assert F.decision_line(-1.0, 1.0, 2.0) == (-0.5, 0.5)
    assert F.crossing(10, 4) == 2.5


def test_train_perceptron_by_hand():
    # Items A=(1,0) t=1, B=(0,1) t=0, C=(1,1) t=1; w=(0,0); θ=1 learned; rule ≥; η=1.
    run = train_perceptron([[1, 0], [0, 1], [1, 1]], [1, 0, 1], [0, 0], [0, 1, 2], lr=1, threshold=1,
                           learn_threshold=True)
    assert list(run.u) == [0, 0, 0]
    assert list(run.y) == [0, 1, 0]
    assert list(run.d) == [1, -1, 1]
    assert run.w.tolist() == [[0, 0], [1, 0], [1, -1], [2, 0]]
    assert list(run.theta) == [1, 0, 1, 0]
    assert list(run.changed) == [True, True, True]


def test_perceptron_learns_and_separable_targets_settle():
    X = np.array([[1, a, b] for a in (0, 1) for b in (0, 1)], dtype=float)
    t = np.array([0, 0, 0, 1.0])  # AND
    run = train_perceptron(X, t, [0, 0, 0], list(range(4)) * 10, lr=0.1)
    assert (predict(X, run.w[-1]) == t).all()
    xor = np.array([0, 1, 1, 0.0])
    run = train_perceptron(X, xor, [0, 0, 0], list(range(4)) * 50, lr=0.1)
    assert count_errors(run.d[-4:]) > 0  # one perceptron never separates XOR


@pytest.mark.parametrize("strict", [False, True])
def test_step_matches_numpy_comparison(strict):
    u = np.linspace(-2, 2, 41)
    expected = (u > 0.5) if strict else (u >= 0.5)
    assert (F.step(u, 0.5, strict) == expected).all()


def test_softmax_subtracts_the_largest_score_itself():
    """The function the softmax layer's y comes from, on scores e^a cannot hold (float64 overflows past 709,
    float32 past 88): without the max shift every value would be nan. ゼロから作るDeep Learning §3.5.2's
    [1010, 1000, 990] gives [9.99954600e-01, 4.53978686e-05, 2.06106005e-09]."""
    import numpy as np
    from matchbox.engine import functions as F
    with np.errstate(all="raise"):  # an overflow inside is an error, not a warning
        y = F.softmax(np.array([1010.0, 1000.0, 990.0]))
        y32 = F.softmax(np.array([[100.0, 90.0, 80.0]], dtype=np.float32))
    assert y == pytest.approx([9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rel=1e-7)
    assert y32.dtype == np.float32 and np.isfinite(y32).all() and y32.sum() == pytest.approx(1, abs=1e-6)
