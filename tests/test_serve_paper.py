"""`matchbox serve` with scanned answer pages: a photographed sheet uploaded on the same form as a workbook,
read and graded as `check` does, and the instructor's review of the fields the reader was not sure of (Flask's
test client; and once in headless Chromium, with the keyboard only).

The sheet is the honest simulation of tests/paper_scans.py: MNIST test digits written into the printed boxes
and photographed. Two fields get a "+" in their sign box, which the reader never takes on trust: one holds
the key's number, one a wrong number, so the review has a cell to confirm and a cell to correct for sure."""
from __future__ import annotations

import csv
import re
import sys
from html import unescape
from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")  # matchbox[paper]; before paper_scans, which draws photos with OpenCV
pytest.importorskip("pypdfium2")

from paper_scans import (
    answer_images,
    jpeg_file,
    learner_numbers,
    pdf_of_images,
    photographed,
    write_numbers,
    written,
)
from test_serve import chromium  # noqa: F401  (headless Chromium, or a skip where it is not installed)

from matchbox.kinds import sampled
from matchbox.paper import layout as L
from matchbox.web import create_app

NAME = "山田 花子"
TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """A Japanese neuron sheet filled with the key, photographed, as a PDF: `right` has the key's number and
    a "+" in its sign box, `wrong` a wrong number and a "+"."""
    folder = tmp_path_factory.mktemp("scan")
    variant = sampled("neuron", 2)
    numbers = learner_numbers(variant)
    pages = L.answer_pages(variant, "ja")
    signed = [f for p in pages for f in p.fields if f.sign and 0 < numbers[f.name] < 5]
    wrong, right = signed[0], signed[1]
    rng = np.random.default_rng(0)
    mistaken = round(numbers[wrong.name] + 0.3, wrong.decimals)
    marks = {wrong.name: ["+"] + written(mistaken, wrong, rng)[1:],
             right.name: ["+"] + written(numbers[right.name], right, rng)[1:]}
    images = answer_images(variant, "ja", folder, whole=False)
    rng = np.random.default_rng(5)
    photos = [photographed(write_numbers(image, page, numbers, rng, marks), seed=50 + i)
              for i, (image, page) in enumerate(zip(images, pages))]
    pdf = pdf_of_images(photos, folder / "sheet.pdf")
    return {"variant": variant, "pdf": pdf, "photos": photos, "folder": folder, "right": right.name,
            "wrong": wrong.name, "key": variant.worksheet.answer_key(), "mistaken": mistaken}


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def class_app(tmp_path):
    app = create_app(roster=[NAME, "Ann Lee"], gradebook=tmp_path / "grades.csv", token=TOKEN)
    c = app.test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"  # the page in Japanese unless a test asks otherwise
    return c


def upload(c, path: Path, name: str | None = NAME, lang: str = "ja"):
    with open(path, "rb") as f:
        data = {"workbook": (f, path.name), **({"name": name} if name else {})}
        return c.post("/check", data=data, headers={"Accept-Language": lang})


def uploaded(c, path: Path, **kwargs) -> str:
    """The result id of an upload that made one result."""
    r = upload(c, path, **kwargs)
    assert r.status_code == 303, text_of(r.text)
    return r.headers["Location"].rsplit("/", 1)[1]


def read_independently(pdf: Path):
    """The same file through `check`'s own path (matchbox/paper/grade.py), not through the page."""
    from matchbox.paper.grade import grade_file
    (result,) = grade_file(pdf)
    return result


def review_inputs(html: str) -> list[str]:
    return re.findall(r'name="f-([^"]+)"', html)


# --- the upload ------------------------------------------------------------------------------------------------

def test_a_scan_is_graded_as_check_grades_it_and_awaits_review(tmp_path, scan):
    c = class_app(tmp_path)
    key = uploaded(c, scan["pdf"])
    check = read_independently(scan["pdf"])
    page = text_of(c.get(f"/r/{key}", headers={"Accept-Language": "ja"}).text)
    assert f"得点 {check.report.score} / {check.report.max_score}" in page and NAME in page
    unsure = [f for f in check.sheet.fields.values() if not f.confident]
    assert unsure and f"確認待ち: この用紙には読み取りに自信のない解答が {len(unsure)} 件あります" in page
    assert "graded.xlsx" not in c.get(f"/r/{key}").text  # a scan has no workbook to mark
    assert c.get(f"/r/{key}/graded.xlsx").status_code == 404
    # not final yet: the class table and the gradebook do not have it, the instructor is told it waits
    table = text_of(c.get(f"/class?token={TOKEN}", headers={"Accept-Language": "en"}).text)
    assert f"{NAME} awaiting review" in table and "Ann Lee not yet" in table
    assert "1 scanned sheet(s) await your check" in table
    assert not (tmp_path / "grades.csv").exists()
    en = text_of(c.get(f"/r/{key}?lang=en").text)
    assert f"Awaiting review: the reader was not sure of {len(unsure)} answer(s)" in en


def test_the_review_lists_exactly_the_unsure_fields_behind_the_token(tmp_path, scan):
    c = class_app(tmp_path)
    key = uploaded(c, scan["pdf"])
    assert c.get(f"/review/{key}").status_code == 403  # the learner's own result id does not open it
    assert c.get(f"/review/{key}?token=wrong").status_code == 403
    assert c.get("/review?token=wrong").status_code == 403
    queue = c.get(f"/review?token={TOKEN}").text
    assert f"/review/{key}?token={TOKEN}" in queue
    page = c.get(f"/review/{key}?token={TOKEN}", headers={"Accept-Language": "ja"})
    check = read_independently(scan["pdf"])
    unsure = [f.name for f in check.sheet.fields.values() if not f.confident]
    assert review_inputs(page.text) == unsure
    assert {scan["right"], scan["wrong"]} <= set(unsure)
    assert page.text.count('src="data:image/png;base64,') == len(unsure)  # each field's boxes, to look at
    text = text_of(page.text)
    # no English in the Japanese view: only the key's name, the file's, the variant's and the brand
    assert "読み取りの確認" in text and set(re.findall(r"[A-Za-z]{2,}", text)) == \
        {"matchbox", "English", "sheet", "pdf", "neuron", "Enter"}
    english = text_of(c.get(f"/review/{key}?token={TOKEN}&lang=en").text)
    assert "Check the readings" in english and "読み取り" not in english.replace("日本語", "")


def test_a_correction_changes_its_cell_a_confirmation_keeps_it_and_the_grade_lands(tmp_path, scan):
    c = class_app(tmp_path)
    key = uploaded(c, scan["pdf"])
    before = read_independently(scan["pdf"])
    was = {cell.quantity: cell.status for cell in before.report.cells}
    assert was[scan["wrong"]] == "incorrect" and was[scan["right"]] == "correct"
    unsure = review_inputs(c.get(f"/review/{key}?token={TOKEN}").text)
    right_number = scan["key"][scan["wrong"]]
    form = {f"f-{name}": "" for name in unsure}  # nothing typed: the reading is right
    form[f"f-{scan['wrong']}"] = f"{right_number:.4f}".replace("0", "０")  # a Japanese keyboard's digits too
    r = c.post(f"/review/{key}?token={TOKEN}", data=form, headers={"Accept-Language": "ja"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/review?token={TOKEN}")  # nothing left
    page = c.get(f"/r/{key}").text
    # the learner's page: final, the corrected cell now right, every other cell as it was
    text = text_of(page)
    assert "確認待ち" not in text and "この用紙の読み取りはすべて確認済みです。成績は確定しました。" in text
    score = before.report.score + 1  # the corrected cell, and nothing else, changed: incorrect to correct
    assert f"得点 {score} / {before.report.max_score}" in text
    order = [cell.quantity for cell in before.report.cells]
    now = dict(zip(order, re.findall(r'<td class="answer (\w+)', page)))
    assert now == {**was, scan["wrong"]: "correct"}
    # the class table and the gradebook have the final grade
    table = text_of(c.get(f"/class?token={TOKEN}", headers={"Accept-Language": "en"}).text)
    assert f"{NAME} {score} / {before.report.max_score}" in table and "await your check" not in table
    with open(tmp_path / "grades.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [(r["name"], r["score"], r["file"]) for r in rows] == [(NAME, str(score), "sheet.pdf")]
    csv_text = c.get(f"/class/grades.csv?token={TOKEN}").data.decode("utf-8-sig")
    assert f"{NAME},sheet.pdf" in csv_text
    # done once: the review page now says so, and a second post changes nothing
    assert "確認済み" in text_of(c.get(f"/review/{key}?token={TOKEN}").text)
    form[f"f-{scan['wrong']}"] = "9"
    c.post(f"/review/{key}?token={TOKEN}", data=form)
    assert f"得点 {score} / " in text_of(c.get(f"/r/{key}").text)


def test_confirming_every_reading_keeps_every_status(tmp_path, scan):
    c = class_app(tmp_path)
    key = uploaded(c, scan["pdf"])
    before = read_independently(scan["pdf"])
    unsure = review_inputs(c.get(f"/review/{key}?token={TOKEN}").text)
    c.post(f"/review/{key}?token={TOKEN}", data={f"f-{name}": "" for name in unsure})
    text = text_of(c.get(f"/r/{key}").text)
    assert f"得点 {before.report.score} / {before.report.max_score}" in text and "確定しました" in text
    cells = re.findall(r'<td class="answer (\w+)', c.get(f"/r/{key}").text)
    assert cells == [cell.status for cell in before.report.cells]  # in the tables' order, which is the sheet's


def test_the_wrong_cell_is_marked_and_a_correction_marks_it_right(tmp_path, scan):
    """Cell by cell on the learner's page: the field corrected to the key's number goes from ✗ to ✓."""
    c = class_app(tmp_path)
    key = uploaded(c, scan["pdf"])
    order = [cell.quantity for cell in read_independently(scan["pdf"]).report.cells]
    where = order.index(scan["wrong"])
    assert re.findall(r'<td class="answer (\w+)', c.get(f"/r/{key}").text)[where] == "incorrect"
    assert "review" in re.findall(r'<td class="(answer \w+[^"]*)"', c.get(f"/r/{key}").text)[where]
    unsure = review_inputs(c.get(f"/review/{key}?token={TOKEN}").text)
    form = {f"f-{name}": "" for name in unsure}
    form[f"f-{scan['wrong']}"] = str(scan["key"][scan["wrong"]])
    c.post(f"/review/{key}?token={TOKEN}", data=form)
    assert re.findall(r'<td class="answer (\w+)', c.get(f"/r/{key}").text)[where] == "correct"


def test_a_correction_can_make_a_right_reading_wrong_or_empty(tmp_path, scan):
    c = class_app(tmp_path)
    key = uploaded(c, scan["pdf"])
    order = [cell.quantity for cell in read_independently(scan["pdf"]).report.cells]
    unsure = review_inputs(c.get(f"/review/{key}?token={TOKEN}").text)
    form = {f"f-{name}": "" for name in unsure}
    form[f"f-{scan['right']}"] = str(scan["key"][scan["right"]] + 2)
    form[f"f-{scan['wrong']}"] = "x"  # empty on paper
    c.post(f"/review/{key}?token={TOKEN}", data=form)
    marked = re.findall(r'<td class="answer (\w+)', c.get(f"/r/{key}").text)
    assert marked[order.index(scan["right"])] == "incorrect" and marked[order.index(scan["wrong"])] == "blank"


def test_what_is_not_a_number_is_refused_in_the_pages_language(tmp_path, scan):
    c = class_app(tmp_path)
    key = uploaded(c, scan["pdf"])
    unsure = review_inputs(c.get(f"/review/{key}?token={TOKEN}").text)
    form = {f"f-{name}": "" for name in unsure}
    form[f"f-{scan['right']}"] = "0.5x"
    r = c.post(f"/review/{key}?token={TOKEN}", data=form, headers={"Accept-Language": "ja"})
    assert r.status_code == 422 and "「0.5x」は数として読めません" in text_of(r.text)
    assert 'value="0.5x"' in r.text and review_inputs(r.text) == unsure  # nothing typed is lost
    assert "確認待ち" in text_of(c.get(f"/r/{key}").text)  # still waiting, nothing recorded
    assert not (tmp_path / "grades.csv").exists()


def test_without_a_class_table_the_learner_checks_their_own_sheet(tmp_path, scan):
    photo = jpeg_file(scan["photos"][0], tmp_path / "page1.jpg")  # page 1 alone, as a phone photo
    app = create_app()
    c = app.test_client()
    key = uploaded(c, photo, name=None)
    page = c.get(f"/r/{key}?lang=en").text
    assert f'href="/review/{key}?lang=en"' in page and "was not found in the scans" in text_of(page)
    assert c.get("/review").status_code == 404  # no instructor's list without a class table
    unsure = review_inputs(c.get(f"/review/{key}").text)
    assert unsure
    r = c.post(f"/review/{key}", data={f"f-{name}": "" for name in unsure})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/r/{key}")
    assert "Every reading on this sheet has been checked" in text_of(c.get(f"/r/{key}?lang=en").text)
    again = c.get(f"/review/{key}?lang=en").text
    assert review_inputs(again) == [] and f'href="/r/{key}"' in again and "checked already" in text_of(again)


def test_a_pile_of_two_sheets_makes_two_results(tmp_path, scan):
    photos = scan["photos"]
    pile = pdf_of_images([photos[0], photos[1], photos[0], photos[1]], tmp_path / "pile.pdf")
    c = class_app(tmp_path)
    r = upload(c, pile)
    assert r.status_code == 303 and "/s/" in r.headers["Location"]
    page = c.get(r.headers["Location"], headers={"Accept-Language": "ja"}).text
    links = re.findall(r'href="/r/([\w-]+)', page)
    assert len(links) == 2 and "pile.pdf #1" in page and "pile.pdf #2" in page
    queue = c.get(f"/review?token={TOKEN}").text
    assert all(f"/review/{k}?token" in queue for k in links)


def test_a_missing_extra_is_the_one_line_check_says(tmp_path, scan, monkeypatch):
    from click.testing import CliRunner

    from matchbox.cli import main
    photo = jpeg_file(scan["photos"][0], tmp_path / "photo.jpg")
    monkeypatch.setitem(sys.modules, "cv2", None)  # as if OpenCV were not installed
    cli = CliRunner().invoke(main, ["check", str(photo)]).output.strip()
    c = class_app(tmp_path)
    r = upload(c, photo, lang="en")
    assert r.status_code == 422
    error = text_of(re.search(r'<p id="error">(.*?)</p>', r.text, re.DOTALL).group(1))
    assert "pip install matchbox[paper]" in error and "\n" not in cli
    assert error == cli.replace(f"matchbox: {photo}", "photo.jpg")


def test_a_damaged_scan_is_one_line(tmp_path):
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"\xff\xd8\xff" + b"\0" * 100)
    c = class_app(tmp_path)
    r = upload(c, bad, lang="en")
    assert r.status_code == 422
    assert text_of(re.search(r'<p id="error">(.*?)</p>', r.text, re.DOTALL).group(1)) == \
        "photo.jpg: a damaged picture (it cannot be decoded)"
    r = upload(c, bad, lang="ja")  # the Japanese page says it in Japanese
    assert text_of(re.search(r'<p id="error">(.*?)</p>', r.text, re.DOTALL).group(1)) == \
        "photo.jpg: 壊れた画像です (読み込めません)"


def test_a_photo_missing_a_corner_says_so_in_the_pages_language(tmp_path, scan):
    """A photo that cut off part of the page: the learner reads what to do, in Japanese on the Japanese page
    (a word of three Latin letters or more would be English; QR is a name)."""
    from paper_scans import jpeg_file
    photo = scan["photos"][0]
    h, w = photo.shape[:2]
    cropped = jpeg_file(photo[: h * 3 // 4], tmp_path / "cut.jpg")  # the lower markers are not in the picture
    c = class_app(tmp_path)
    said = {lang: text_of(re.search(r'<p id="error">(.*?)</p>', upload(c, cropped, lang=lang).text,
                                    re.DOTALL).group(1)) for lang in ("en", "ja")}
    assert said["en"].startswith("cut.jpg: no answer page was found")
    japanese = said["ja"].split(":", 1)[1]  # after the file's name
    assert "QR" in japanese and not re.search(r"[A-Za-z]{3,}", japanese), said["ja"]


# --- in a real browser, with the keyboard only --------------------------------------------------------------

def test_the_instructor_reviews_a_sheet_with_the_keyboard_only(tmp_path, scan, chromium):  # noqa: F811
    """The real server and headless Chromium: a learner types their name and sends a photographed sheet; the
    instructor opens the list of sheets to check, and with nothing but Enter (and one number typed) confirms
    every reading but the wrong one, which is corrected; the grade lands in the class table."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from test_serve import Server, wait_for
    roster = tmp_path / "roster.csv"
    roster.write_text(f"name\n{NAME}\nAnn Lee\n", encoding="utf-8")
    server = Server(tmp_path, "--roster", roster, "--gradebook", tmp_path / "grades.csv")
    before = read_independently(scan["pdf"]).report
    try:
        driver = chromium
        driver.get(server.url + "/")
        driver.find_element(By.ID, "name").send_keys(NAME)
        driver.find_element(By.ID, "workbook").send_keys(str(scan["pdf"]))  # chosen: sent at once
        wait_for(lambda: "/r/" in driver.current_url)
        assert "確認待ち" in driver.find_element(By.ID, "awaiting").text

        driver.get(f"{server.url}/review?token={server.token}")
        # the first sheet's link has the focus (autofocus is applied as the page is drawn: wait for it, as an eye
        # would, before pressing Enter)
        wait_for(lambda: driver.switch_to.active_element.get_attribute("href"))
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        wait_for(lambda: driver.find_elements(By.ID, "review"))
        wait_for(lambda: driver.switch_to.active_element.get_attribute("id") == "f-1")
        inputs = driver.find_elements(By.CSS_SELECTOR, "#review input[type=text]")
        driver.save_screenshot(str(tmp_path / "review-ja.png"))
        for i, field in enumerate(inputs, 1):
            focused = driver.switch_to.active_element
            assert focused.get_attribute("id") == f"f-{i}"  # focus moved on by itself
            if focused.get_attribute("name") == f"f-{scan['wrong']}":
                focused.send_keys(str(scan["key"][scan["wrong"]]))
            focused.send_keys(Keys.ENTER)
        assert driver.switch_to.active_element.get_attribute("id") == "done"
        settled = driver.find_elements(By.CSS_SELECTOR, "li.crop.settled")
        assert len(settled) == len(inputs) and len(driver.find_elements(By.CSS_SELECTOR, "li.corrected")) == 1
        driver.save_screenshot(str(tmp_path / "review-settled.png"))
        driver.switch_to.active_element.send_keys(Keys.ENTER)  # grade the sheet
        wait_for(lambda: driver.find_elements(By.ID, "nothing"))  # back on the list: nothing left to check

        driver.get(f"{server.url}/class?token={server.token}")
        rows = driver.find_element(By.ID, "class").text
        assert f"{before.score + 1} / {before.max_score}" in rows and NAME in rows
    finally:
        log = server.stop()
    # the terminal heard the provisional score as such, then the final grade
    assert f"{NAME}: neuron-2 {before.score}/{before.max_score} (awaiting review: {len(inputs)} readings" in log
    assert f"{NAME}: neuron-2 {before.score + 1}/{before.max_score} (reviewed: final)" in log
    assert list(server.tmp.iterdir()) == []  # the scan's bytes were not left behind
