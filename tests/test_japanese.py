"""Japanese where a Japanese reader looks: rosters from Japanese Excel, names as typed, errors in Japanese,
the system's language by default, and sheets that say their own rule."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from matchbox.cli import main
from matchbox.cli.options import default_lang
from matchbox.errors import MatchboxError
from matchbox.kinds import sampled
from matchbox.roster import read_roster
from matchbox.views.terminal import printable

NAMES = ["佐藤\u3000陽菜", "山田 花子", "髙橋 一郎"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_roster_in_utf8_with_or_without_bom_or_shift_jis(tmp_path, encoding):
    path = tmp_path / "learners.csv"
    path.write_bytes(("名前\r\n" + "\r\n".join(NAMES) + "\r\n").encode(encoding))
    assert read_roster(path) == NAMES


def test_unreadable_roster_says_save_as_csv_utf8(tmp_path):
    path = tmp_path / "learners.csv"
    path.write_bytes(b"name\n\x81\x39\xff\xfe\n")  # neither UTF-8 nor CP932
    with pytest.raises(MatchboxError) as e:
        read_roster(path)
    assert "save it as CSV UTF-8" in str(e.value) and e.value.said("ja").endswith("CSV UTF-8 で保存してください")


def test_names_print_as_typed_and_controls_stay_escaped():
    assert printable("佐藤\u3000陽菜") == "佐藤\u3000陽菜"
    assert printable("Zoë\u00a0Smith") == "Zoë\u00a0Smith"
    assert printable("a\nb") == "a\\nb"
    assert printable("evil\u202etxt.xlsx") == "evil\\u202etxt.xlsx"  # a right-to-left override
    assert printable("zero\u200bwidth") == "zero\\u200bwidth"


@pytest.mark.parametrize("env,lang", [({"LANG": "ja_JP.UTF-8"}, "ja"), ({"LANG": "en_US.UTF-8"}, "en"),
                                      ({"LC_ALL": "ja_JP.UTF-8", "LANG": "C"}, "ja"),
                                      ({"LC_MESSAGES": "ja_JP.eucJP"}, "ja"), ({}, "en"),
                                      ({"LC_ALL": "C.UTF-8", "LANG": "ja_JP.UTF-8"}, "en")])
def test_default_language_follows_the_system_locale(monkeypatch, env, lang):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert default_lang() == lang


def test_list_and_generate_default_to_japanese_on_a_japanese_system(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    r = CliRunner().invoke(main, ["list"])
    assert r.exit_code == 0 and "マッチ箱の脳" in r.output
    r = CliRunner().invoke(main, ["generate", "counting"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("counting-1, 日本語 (ja): worksheets/counting-1-ja.xlsx")
    monkeypatch.setenv("LANG", "C.UTF-8")
    r = CliRunner().invoke(main, ["generate", "counting"])
    assert r.output.startswith("counting-1, English (en): worksheets/counting-1-en.xlsx")


def test_check_says_why_in_japanese_for_a_japanese_workbook(tmp_path):
    bad = tmp_path / "matchbox-3-ja.xlsx"
    bad.write_text("名前,得点\n佐藤,10\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(bad)])
    assert r.exit_code == 2
    assert "CSV またはテキストのファイルで、.xlsx のワークブックではありません" in r.output
    assert "this is a CSV" not in r.output


@pytest.mark.parametrize("rule,says,not_says", [(">", "しきい値 θ を超えたら発火", "以上なら"),
                                                (">=", "しきい値 θ 以上なら発火", "超えたら")])
def test_the_instructions_say_the_sheets_own_rule(rule, says, not_says):
    from matchbox.kinds import kind_module, sampled
    from matchbox.worksheet.graph import tr
    ws = kind_module("matchbox").build({**sampled("matchbox", 3).params, "rule": rule})
    text = tr(ws.instructions, "ja")
    assert says in text and not_says not in text and "達したら" not in text


def test_replay_speaks_japanese_words_and_draws_in_a_japanese_font(tmp_path):
    r = CliRunner().invoke(main, ["replay", "matchbox", "--steps", "30", "-o", str(tmp_path), "--lang", "ja"])
    assert r.exit_code == 0, r.output
    assert "最後の重みで間違える項目の数: 0" in r.output and "errors_with_final_weights" not in r.output
    assert (tmp_path / "replay-matchbox-1.png").stat().st_size > 0
    from matchbox.training.plots import cjk_font, figure, save
    font = cjk_font()
    if font is None:
        pytest.skip("no Japanese font installed (fonts-ipaexfont-gothic)")
    fig = figure(3, 2)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], label="重み")
    ax.legend()
    ax.set(xlabel="ステップ")
    save(fig, tmp_path / "ja.png", "タイトル", "ja")
    assert ax.xaxis.label.get_fontfamily()[0] == font and fig.get_suptitle() == "タイトル"


@pytest.mark.parametrize("kind", ["neuron", "counting"])
def test_a_japanese_workbook_is_never_slanted_and_says_when_a_calculator_is_needed(kind, tmp_path):
    """Never slant Japanese: no italic cell in a ja workbook (en keeps its italic notes). The workbook says,
    as the printed sheet does, that eˣ and ln need a calculator, exactly where the sheet's steps need it."""
    import openpyxl
    from matchbox.worksheet.calculator import needs_calculator
    from matchbox.workbook.writer import write_workbook
    from matchbox.words import word
    v = sampled(kind, 1)
    for lang in ("ja", "en"):
        path = write_workbook(v, lang, tmp_path / f"{kind}-{lang}.xlsx")
        wb = openpyxl.load_workbook(path)
        slanted = [f"{s.title}!{c.coordinate}" for s in wb.worksheets for row in s.iter_rows() for c in row
                   if c.value is not None and c.font and c.font.i]
        assert not slanted if lang == "ja" else slanted, slanted[:5]
        texts = " ".join(str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value)
        assert (word("print.calculator", lang) in texts) == needs_calculator(v.worksheet)
    assert needs_calculator(v.worksheet) == (kind == "neuron")
