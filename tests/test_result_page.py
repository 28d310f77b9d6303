"""The result page of `matchbox serve`, mistakes first: the wrong cells above the sheet's tables, the carried ones
folded into one line per table, note numbers that cannot be read as exponents, and a page that fits a phone."""
from __future__ import annotations

import re

import pytest

from matchbox.views.feedback import grade_in_words as grade
from matchbox.workbook.reader import read_filled
from test_serve import Server, books, chromium, client, text_of, upload, wait_for  # noqa: F401 (fixtures)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_wrong_cells_come_first_and_the_carried_ones_fold_by_table(books, lang):
    _, c = client()
    html = c.get(upload(c, books["slip"]).headers["Location"] + f"?lang={lang}").text
    report = grade(read_filled(books["slip"]), lang=lang)
    wrong = [cell for cell in report.cells if cell.status in ("incorrect", "simplified", "rounding")]
    carried = [cell for cell in report.cells if cell.status == "carried"]
    assert wrong and len(carried) > len(wrong)
    first_table = html.index("<table")
    assert html.index('class="summary') < html.index('id="note-1"') < first_table
    notes = html[html.index('id="notes"'):html.index("</ol>", html.index('id="notes"'))]
    assert len(re.findall(r"<li ", notes)) == len(wrong)
    assert all(f"{cell.sheet}!{cell.cell}" in text_of(notes) for cell in wrong)
    folded = re.findall(r'<summary class="carried">(.*?)</summary>', html[:first_table], re.S)
    assert len(folded) == len({cell.section for cell in carried})
    counts = [int(n) for line in folded for n in re.findall(r"(\d+) (?:cells?|個)", text_of(line))]
    assert sum(counts) == len(carried)
    opened = html[html.index('class="carried-cells"'):first_table]  # the folded cells, there when opened
    assert all(f"{cell.sheet}!{cell.cell}" in opened for cell in carried)
    # only the wrong cells carry a note number in the tables, each pointing at its note
    refs = re.findall(r'<a class="ref" href="#note-(\d+)">(\d+)</a>', html)
    assert [int(a) for a, b in refs] == [int(b) for a, b in refs] == list(range(1, len(wrong) + 1))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_on_a_laptop_the_first_mistake_is_in_view_and_on_a_phone_nothing_is_cut(tmp_path, books, chromium, lang):
    from selenium.webdriver.common.by import By
    server = Server(tmp_path)
    try:
        driver = chromium
        driver.get(server.url + f"/?lang={lang}")
        driver.find_element(By.ID, "workbook").send_keys(str(books["slip"]))
        wait_for(lambda: "/r/" in driver.current_url)
        driver.set_window_size(1280, 800)
        rect = "return arguments[0].getBoundingClientRect()"
        first = driver.execute_script(rect, driver.find_element(By.ID, "note-1"))
        summary = driver.execute_script(rect, driver.find_element(By.CSS_SELECTOR, ".summary"))
        assert summary["bottom"] <= first["top"]
        assert first["bottom"] <= driver.execute_script("return window.innerHeight")  # seen without scrolling
        # the note number in a cell is a badge on the line, not a raised exponent beside the number
        badge = driver.find_element(By.CSS_SELECTOR, "td a.ref")
        style = "return getComputedStyle(arguments[0])[arguments[1]]"
        assert driver.execute_script(style, badge, "verticalAlign") == "baseline"
        assert driver.execute_script(style, badge, "borderTopStyle") == "solid"
        driver.set_window_size(390, 844)
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
        givens = driver.find_element(By.CSS_SELECTOR, ".sheet-table .scroll")
        assert driver.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", givens)
    finally:
        server.stop()
