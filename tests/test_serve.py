"""`matchbox serve`: the checking page, through Flask's test client (every route, quickly) and as the real
server (waitress) on loopback: driven by headless Chromium, and under 200 uploads from 20 clients."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from html import unescape
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import openpyxl
import pytest

from conftest import fill, own_values, run_cli
from matchbox.kinds import sampled
from matchbox.views.feedback import grade_in_words as grade  # graded, its feedback in words
from matchbox.web import create_app
from matchbox.workbook.reader import read_filled
from matchbox.workbook.writer import write_workbook

OUTPUT = Path(os.environ.get("MATCHBOX_TEST_OUTPUT", Path(__file__).resolve().parents[1] / "test-output"))


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """A perceptron workbook (ja) filled from the learner's own numbers with one slip, a blank one, a fully
    correct one, and a hostile one."""
    tmp = tmp_path_factory.mktemp("books")
    variant = sampled("perceptron", 4)
    learner = write_workbook(variant, "ja", tmp / "perceptron-ja.xlsx", learner="山田 花子")
    ws = variant.worksheet
    # trial 3 moves w₁ from 3 to 2; moving it the wrong way (to 4) is a named slip, and later cells carry it
    slip = "w3_1"
    slipped = fill(learner, variant, "ja", own_values(ws, slip=slip, by=2, decimals=4), tmp / "山田-slip.xlsx")
    right = fill(learner, variant, "ja", own_values(ws, decimals=4), tmp / "right.xlsx")
    bomb = tmp / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            for _ in range(300):
                f.write(b"\0" * 2**20)
    return {"variant": variant, "blank": learner, "slip": slipped, "right": right, "bomb": bomb, "slip_name": slip}


def client(**kwargs):
    app = create_app(**kwargs)
    return app, app.test_client()


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def upload(c, path: Path, name: str | None = None, lang: str = "ja"):
    with open(path, "rb") as f:
        return c.post("/check", data={"workbook": (f, name or path.name)}, headers={"Accept-Language": lang})


# --- the application ---------------------------------------------------------------------------------------

def test_the_page_speaks_the_browsers_language_and_can_be_switched():
    _, c = client()
    assert "ワークブックの採点" in c.get("/", headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.8"}).text
    assert "Check your workbook" in c.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "Check your workbook" in c.get("/", headers={"Accept-Language": "fr"}).text  # neither: English
    switched = c.get("/?lang=ja", headers={"Accept-Language": "en"})
    assert "ワークブックの採点" in switched.text and "lang=ja" in switched.headers["Set-Cookie"]
    assert "ワークブックの採点" in c.get("/", headers={"Accept-Language": "en"}).text  # remembered


def test_an_upload_is_graded_like_check_and_its_result_has_its_own_page(books):
    _, c = client()
    response = upload(c, books["slip"])
    assert response.status_code == 303
    page = c.get(response.headers["Location"], headers={"Accept-Language": "ja"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    expected = grade(read_filled(books["slip"]))
    assert expected.lang == "ja" and expected.score == expected.max_score - 1
    html = page.text
    assert re.search(r'id="score">\s*%d / %d<' % (expected.score, expected.max_score), html)
    assert "山田 花子" in html and expected.variant in html
    # every answer cell of the sheet is in the tables, marked with its status
    statuses = re.findall(r'<td class="answer (correct|carried|incorrect|blank)"', html)
    assert sorted(statuses) == sorted(c.status for c in expected.cells)
    wrong = next(cell for cell in expected.cells if cell.status == "incorrect")
    notes = text_of(html[html.index('id="notes"'):])
    assert f"{wrong.sheet}!{wrong.cell}" in notes and wrong.feedback in notes
    assert wrong.slip == "重みの更新の向きの誤り (w + η·d·x ではなく w − η·d·x)" and "正しくは 2 です。" in notes


def test_the_feedback_follows_the_pages_language(books):
    _, c = client()
    location = upload(c, books["slip"]).headers["Location"]
    english = c.get(location + "?lang=en").text
    assert "Score" in english and "expected" in text_of(english)
    japanese = c.get(location + "?lang=ja").text
    assert "得点" in japanese and "正しくは" in text_of(japanese)


def test_the_annotated_copy_downloads_and_the_upload_is_untouched(books):
    before = hashlib.sha256(books["slip"].read_bytes()).hexdigest()
    _, c = client()
    location = upload(c, books["slip"], name="山田-slip.xlsx").headers["Location"]
    copy = c.get(location + "/graded.xlsx", headers={"Accept-Language": "ja"})
    assert copy.status_code == 200
    assert copy.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''%E5%B1%B1%E7%94%B0-slip-graded.xlsx" in copy.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(copy.data))
    assert wb.sheetnames[0] == "採点結果"
    report = grade(read_filled(books["slip"]))
    wrong = next(cell for cell in report.cells if cell.status == "incorrect")
    assert wb[wrong.sheet][wrong.cell].fill.fgColor.rgb.endswith("FFC7CE")
    assert wrong.feedback in wb[wrong.sheet][wrong.cell].comment.text
    assert hashlib.sha256(books["slip"].read_bytes()).hexdigest() == before


def test_full_marks_say_so_and_blanks_are_counted(books):
    _, c = client()
    page = c.get(upload(c, books["right"]).headers["Location"], headers={"Accept-Language": "en"}).text
    assert "Every cell is correct" in page
    page = c.get(upload(c, books["blank"]).headers["Location"], headers={"Accept-Language": "en"}).text
    n = len(books["variant"].worksheet.answers)
    assert f"{n} blank cells" in text_of(page) and "(+" in page


@pytest.mark.parametrize("case", ["bomb", "random", "empty", "csv", "foreign"])
def test_a_hostile_upload_gets_the_same_one_line_error_as_check(tmp_path, books, case):
    if case == "bomb":
        path = books["bomb"]
    else:
        path = tmp_path / f"{case}.xlsx"
        if case == "foreign":
            openpyxl.Workbook().save(path)
        else:
            path.write_bytes({"random": os.urandom(3000), "empty": b"", "csv": "a,b\n1,2\n".encode()}[case])
    cli = run_cli("check", path)
    assert cli.returncode == 2
    line = cli.stderr.strip().removeprefix(f"matchbox: {path}: ")
    _, c = client()
    response = upload(c, path, lang="en")
    assert response.status_code == 422
    shown = unescape(re.search(r'<p id="error">(.*?)</p>', response.text, re.S).group(1))
    assert shown == f"{path.name}: {line}"


def test_too_large_an_upload_is_refused_before_it_is_read():
    _, c = client()
    response = c.post("/check", data={"workbook": (io.BytesIO(b"x" * (61 * 2**20)), "big.pdf")},
                      headers={"Accept-Language": "ja"})
    assert response.status_code == 413
    shown = unescape(re.search(r'<p id="error">(.*?)</p>', response.text, re.S).group(1))
    assert shown == ("ファイルが 60 MB を超えています。ワークブックとしては大きすぎます。"
                     "スキャンの場合は、いくつかのファイルに分けて送ってください。")


def test_a_workbook_has_20_mb_and_a_class_of_scans_60():
    """A 21 MB workbook is refused in one line; a 25 MB PDF (a class's scans) passes the size gate and is read
    (this one is no real PDF, so the reading is what refuses it)."""
    _, c = client()
    response = c.post("/check", data={"workbook": (io.BytesIO(b"x" * (21 * 2**20)), "big.xlsx")},
                      headers={"Accept-Language": "en"})
    shown = unescape(re.search(r'<p id="error">(.*?)</p>', response.text, re.S).group(1))
    assert response.status_code == 422 and shown == "big.xlsx: the file is 21 MB, too large for a matchbox workbook"
    response = c.post("/check", data={"workbook": (io.BytesIO(b"%PDF-1.7\n" + b"x" * (25 * 2**20)), "class.pdf")},
                      headers={"Accept-Language": "en"})
    shown = unescape(re.search(r'<p id="error">(.*?)</p>', response.text, re.S).group(1))
    assert response.status_code == 422 and shown.startswith("class.pdf: ") and "MB" not in shown, shown


def test_no_file_and_odd_file_names(books):
    _, c = client()
    assert c.post("/check", data={}, headers={"Accept-Language": "en"}).status_code == 400
    response = upload(c, books["bomb"], name="..\\..\\etc/<b>x\u202e.xlsx", lang="en")
    shown = re.search(r'<p id="error">(.*?)</p>', response.text, re.S).group(1)
    assert shown.startswith("&lt;b&gt;x.xlsx: ")  # no folders, no control characters, no markup


def test_no_one_can_open_another_learners_result(books):
    _, c = client()
    location = upload(c, books["slip"]).headers["Location"]
    key = location.rsplit("/", 1)[1]
    assert len(key) >= 22  # 128 random bits
    other = upload(c, books["right"]).headers["Location"].rsplit("/", 1)[1]
    assert other != key
    for guess in (key[:-1] + ("A" if key[-1] != "A" else "B"), "0", uuid.uuid4().hex):
        assert c.get(f"/r/{guess}").status_code == 404
        assert c.get(f"/r/{guess}/graded.xlsx").status_code == 404
    page = c.get(f"/r/{other}").text  # each page shows its own upload only
    assert "right.xlsx" in page and books["slip"].name not in page


def test_the_page_loads_nothing_from_elsewhere_and_sets_safe_headers():
    _, c = client()
    response = c.get("/")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not re.search(r'(src|href)="(https?:)?//', response.text)
    assert c.get("/assets/style.css").status_code == 200 and c.get("/assets/drop.js").status_code == 200
    assert c.get("/assets/../app.py").status_code == 404


def test_uploads_leave_nothing_in_the_servers_temporary_folder(tmp_path, books):
    temp = tmp_path / "temp"
    temp.mkdir()
    _, c = client(temp_dir=temp)
    big = tmp_path / "big.xlsx"  # past the in-memory limit, so it spools to a file there
    big.write_bytes(books["slip"].read_bytes() + b"\0" * (2 * 2**20))
    for path in (books["slip"], books["bomb"], big):
        upload(c, path)
    assert list(temp.iterdir()) == []


# --- the class table -----------------------------------------------------------------------------------------

def test_the_class_table_needs_its_token_and_keeps_each_learners_latest(tmp_path, books):
    gradebook = tmp_path / "grades.csv"
    _, c = client(roster=["山田 花子", "Ann Lee"], gradebook=gradebook, token="s3cret-token")
    assert c.get("/class").status_code == 403
    assert c.get("/class?token=wrong").status_code == 403
    assert c.get("/class/grades.csv?token=wrong").status_code == 403
    upload(c, books["slip"])
    upload(c, books["right"])  # the same learner again: the latest counts
    upload(c, books["bomb"])
    page = text_of(c.get("/class?token=s3cret-token", headers={"Accept-Language": "en"}).text)
    n = len(books["variant"].worksheet.answers)
    assert f"山田 花子 {n} / {n} 100.0" in page
    assert "Ann Lee not yet" in page and "1 upload(s) could not be graded" in page
    with open(gradebook, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [(r["name"], r["score"], r["status"]) for r in rows] == [("山田 花子", str(n), "passed")]
    assert rows[0]["checked_at"]
    # restarted: the gradebook is read back, nothing lost
    _, c = client(roster=["山田 花子", "Ann Lee"], gradebook=gradebook, token="t")
    assert f"山田 花子 {n} / {n}" in text_of(c.get("/class?token=t").text)
    csv_text = c.get("/class/grades.csv?token=t").data.decode("utf-8-sig")
    assert "山田 花子" in csv_text and "Ann Lee" in csv_text


def test_the_class_table_is_learners_by_exercises_and_reads_an_old_gradebook(tmp_path, books):
    from test_class import learner_workbook
    gradebook = tmp_path / "grades.csv"  # an older matchbox's gradebook: one row per learner
    gradebook.write_text("\ufeffname,file,kind,variant,score,max_score,percent,status,slips,error,checked_at\r\n"
                         "Ann Lee,a.xlsx,counting,counting-2,40,50,80.0,mistakes,,,2026-01-05T10:00:00+09:00\r\n",
                         encoding="utf-8")
    _, c = client(roster=["山田 花子", "Ann Lee", "Chika"], gradebook=gradebook, token="t")
    matchbox = learner_workbook(tmp_path, "m.xlsx", stored_name="山田 花子", slip=True)
    upload(c, books["slip"])  # 山田 花子's perceptron, then her matchbox: both are kept
    upload(c, matchbox, lang="en")
    upload(c, learner_workbook(tmp_path, "ann.xlsx", stored_name="Ann Lee"))
    html = c.get("/class?token=t", headers={"Accept-Language": "en"}).text
    heads = re.findall(r'<th scope="col">([^<]*)</th>', html)
    assert heads == ["counting", "perceptron", "matchbox"]
    rows = {text_of(m[0]).split(" ")[0]: m[1] for m in re.findall(r'<th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', html, re.S)}
    n = len(books["variant"].worksheet.answers)
    assert re.findall(r'<td class="result (\w+)"', rows["山田"]) == ["missing", "mistakes", "mistakes"]
    assert f"{n - 1} / {n}" not in text_of(rows["Ann"]) and "40 / 50 80.0%" in text_of(rows["Ann"])
    assert re.findall(r'<td class="result (\w+)"', rows["Ann"]) == ["mistakes", "missing", "passed"]
    assert re.findall(r'<td class="result (\w+)"', rows["Chika"]) == ["missing"] * 3
    assert "1 of 3 handed in, 0 with full marks" in text_of(html) and "2 of 3 handed in, 1 with full marks" in \
        text_of(html)
    long = list(csv.DictReader(io.StringIO(c.get("/class/grades.csv?token=t").data.decode("utf-8-sig"))))
    assert [(r["name"], r["kind"]) for r in long] == [("山田 花子", "perceptron"), ("山田 花子", "matchbox"),
                                                      ("Ann Lee", "counting"), ("Ann Lee", "matchbox"),
                                                      ("Chika", "")]
    with open(gradebook, encoding="utf-8-sig") as f:  # the file on disk, rewritten in the new form
        assert [(r["name"], r["kind"]) for r in csv.DictReader(f)] == [(n, k) for n, k in
                                                                        [(r["name"], r["kind"]) for r in long] if k]
    wide = list(csv.DictReader(io.StringIO(c.get("/class/grades.csv?token=t&form=wide").data.decode("utf-8-sig"))))
    assert wide[1] == {"name": "Ann Lee", "counting %": "80.0", "perceptron %": "", "matchbox %": "100.0"}
    assert wide[2]["name"] == "Chika" and set(list(wide[2].values())[1:]) == {""}


def test_without_roster_or_gradebook_there_is_no_class_table():
    _, c = client()
    assert c.get("/class?token=anything").status_code == 404


def test_a_roster_name_matches_whatever_the_width_and_spacing(tmp_path, books):
    _, c = client(roster=["山田　花子"], token="t")  # full-width space in the roster
    upload(c, books["slip"])
    page = text_of(c.get("/class?token=t", headers={"Accept-Language": "en"}).text)
    assert "not on the roster" not in page and "not yet" not in page


# --- the real server ---------------------------------------------------------------------------------------

class Server:
    """`matchbox serve` in a subprocess on a free loopback port, with its own temporary folder."""

    def __init__(self, tmp: Path, *args):
        self.tmp = tmp / "tmpdir"
        self.tmp.mkdir()
        env = {**os.environ, "TMPDIR": str(self.tmp), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen([sys.executable, "-m", "matchbox", "serve", "--port", "0", *map(str, args)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines = []
        # a reader thread hands over the lines, so a server that stalls before it listens fails the test in
        # 60 s instead of hanging the run on a blocking readline
        lines: queue.Queue = queue.Queue()
        self.output: list[str] = []  # all of stdout, for stop()

        def read():
            for line in self.process.stdout:
                self.output.append(line)
                lines.put(line)
            lines.put("")
        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 60
        while not self.lines or not self.lines[-1].startswith("Ctrl-C"):
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                line = None
            if not line:  # stalled (None) or exited ("")
                self.process.kill()
                why = "within 60 s" if line is None else "at all"
                raise RuntimeError(f"serve did not start {why}: " + self.process.stderr.read())
            self.lines.append(line.rstrip("\n"))
        self.url = re.search(r"(http://127\.0\.0\.1:\d+)/", self.lines[0]).group(1)
        token = [re.search(r"token=(\S+)", line) for line in self.lines]
        self.token = next((t.group(1) for t in token if t), None)

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.reader.join(timeout=20)
        return "".join(self.output) + self.process.stderr.read()


@pytest.fixture
def chromium(tmp_path):
    if not os.environ.get("CI") and not Path("/usr/bin/chromedriver").exists():
        pytest.skip("needs Debian's chromium and chromium-driver (CI installs them)")
    from selenium import webdriver
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1500",
                     "--lang=ja"):
        options.add_argument(argument)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"intl.accept_languages": "ja,en", "download.prompt_for_download": False,
                                              "download.default_directory": str(downloads)})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService("/usr/bin/chromedriver"))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    driver.quit()


def wait_for(condition, timeout: float = 30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_learner_in_a_real_browser(tmp_path, books, chromium):
    """Headless Chromium against the real server: upload, see the score and the marked cells, download the
    marked copy, switch to English, drop a file on the page, upload a hostile file; screenshots kept."""
    from selenium.webdriver.common.by import By
    roster = tmp_path / "roster.csv"
    roster.write_text("name\n山田 花子\nAnn Lee\n", encoding="utf-8")
    server = Server(tmp_path, "--roster", roster, "--gradebook", tmp_path / "grades.csv")
    try:
        driver = chromium
        driver.get(server.url + "/")
        assert driver.find_element(By.TAG_NAME, "h1").text == "ワークブックの採点"
        driver.find_element(By.ID, "workbook").send_keys(str(books["slip"]))  # chosen: sent at once
        wait_for(lambda: "/r/" in driver.current_url)
        report = grade(read_filled(books["slip"]))
        assert driver.find_element(By.ID, "score").text == f"{report.score} / {report.max_score}"
        assert driver.find_element(By.ID, "learner").text == "山田 花子"
        marked = driver.find_elements(By.CSS_SELECTOR, "td.answer.incorrect")
        assert len(marked) == report.counts["incorrect"] == 1 and "✗" in marked[0].text
        assert len(driver.find_elements(By.CSS_SELECTOR, "td.answer.carried")) == report.counts["carried"]
        notes = driver.find_element(By.ID, "notes").text
        assert "正しくは 2 です。" in notes and "考えられる間違い: 重みの更新の向きの誤り" in notes
        OUTPUT.mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1200, min(height + 150, 6000))  # the whole page in one picture
        driver.save_screenshot(str(OUTPUT / "serve-result-ja.png"))
        driver.set_window_size(390, 844)  # a phone
        driver.save_screenshot(str(OUTPUT / "serve-result-phone.png"))
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 390  # no sideways page
        driver.set_window_size(1200, 1500)

        driver.find_element(By.ID, "download").click()
        copy = wait_for(lambda: next((p for p in chromium.downloads.glob("*.xlsx")), None))
        wb = openpyxl.load_workbook(copy)
        assert wb.sheetnames[0] == "採点結果" and copy.name.endswith("-graded.xlsx")

        driver.find_element(By.CSS_SELECTOR, "header .lang").click()
        assert "Score" in driver.find_element(By.CSS_SELECTOR, ".score .label").text

        # dropped on the page rather than chosen
        driver.get(server.url + "/")
        data = list(books["right"].read_bytes())
        driver.execute_script("""
            const file = new File([new Uint8Array(arguments[0])], "right.xlsx");
            const transfer = new DataTransfer();
            transfer.items.add(file);
            document.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        """, data)
        wait_for(lambda: "/r/" in driver.current_url)
        assert driver.find_element(By.ID, "score").text == f"{report.max_score} / {report.max_score}"
        assert driver.find_elements(By.CSS_SELECTOR, ".well-done")

        driver.get(server.url + "/")
        driver.find_element(By.ID, "workbook").send_keys(str(books["bomb"]))
        error = wait_for(lambda: driver.find_elements(By.ID, "error"))[0].text
        cli = run_cli("check", books["bomb"]).stderr.strip()
        assert error == cli.replace(f"matchbox: {books['bomb']}", "bomb.xlsx")
        driver.save_screenshot(str(OUTPUT / "serve-error-en.png"))

        driver.get(server.url + "/class")
        assert "matchbox serve" in driver.find_element(By.ID, "error").text  # no token, no table
        driver.get(f"{server.url}/class?token={server.token}")
        rows = driver.find_element(By.ID, "class").text
        assert "山田 花子" in rows and f"{report.max_score} / {report.max_score}" in rows and "Ann Lee" in rows
        driver.save_screenshot(str(OUTPUT / "serve-class.png"))
    finally:
        log = server.stop()
    assert "山田 花子: " in log and "bomb.xlsx: " in log  # the instructor's terminal heard of each upload
    assert list(server.tmp.iterdir()) == []  # the temporary folder is gone


def multipart(path: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="workbook"; filename="{path.name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_200_uploads_from_20_clients_are_each_graded_correctly(tmp_path):
    """20 learners, each uploading 10 workbooks one after another, all at once: every result page shows the
    score and counts `check` gives for that file, and the gradebook holds each learner's last one."""
    kinds = ["perceptron", "matchbox", "counting", "neuron", "backprop"]
    names = [f"learner {i:02d}" for i in range(20)]
    files: dict[str, list[tuple[Path, object]]] = {}
    for i, name in enumerate(names):
        variant = sampled(kinds[i % len(kinds)], 100 + i)
        ws = variant.worksheet
        blank = write_workbook(variant, "en", tmp_path / f"{i}.xlsx", learner=name)
        files[name] = []
        for j in range(10):
            values = own_values(ws, slip=ws.answers[(3 * j + i) % len(ws.answers)].name, decimals=4)
            for q in ws.answers[len(ws.answers) - j:]:  # and the last j cells left blank
                values.pop(q.name)
            path = fill(blank, variant, "en", values, tmp_path / f"{i}-{j}.xlsx")
            files[name].append((path, grade(read_filled(path))))
    roster = tmp_path / "roster.csv"
    roster.write_text("name\n" + "\n".join(names) + "\n", encoding="utf-8")
    gradebook = tmp_path / "grades.csv"
    server = Server(tmp_path, "--roster", roster, "--gradebook", gradebook, "--threads", "8")
    failures, completed = [], []

    def learner(name):
        for path, expected in files[name]:
            body, content_type = multipart(path)
            request = Request(server.url + "/check?lang=en", data=body, headers={"Content-Type": content_type})
            try:
                with urlopen(request, timeout=60) as response:  # follows the 303 to the result page
                    html = response.read().decode()
            except HTTPError as e:
                failures.append((path.name, e.code))
                continue
            except Exception as e:  # a timeout, a refused or reset connection: a failure, not a dead thread
                failures.append((path.name, repr(e)))
                continue
            completed.append(path.name)
            score = re.search(r'id="score">\s*(\d+) / (\d+)<', html)
            counts = dict(re.findall(r'<li class="(\w+)">.*?<b>(\d+)</b>', html, re.S))
            if (score is None or (int(score[1]), int(score[2])) != (expected.score, expected.max_score)
                    or counts != {k: str(v) for k, v in expected.counts.items() if v}):
                failures.append((path.name, score and score.group(0), counts, expected.counts))

    try:
        clients = [threading.Thread(target=learner, args=(name,)) for name in names]
        for t in clients:
            t.start()
        for t in clients:
            t.join(timeout=600)
        assert not any(t.is_alive() for t in clients), "a client was still waiting after 10 minutes"
        assert not failures, failures[:5]
        assert len(completed) == len(set(completed)) == 200  # every upload answered with a result page
        with open(gradebook, encoding="utf-8-sig") as f:
            rows = {r["name"]: r for r in csv.DictReader(f)}
        assert sorted(rows) == names
        for name in names:
            last = files[name][-1][1]
            assert (rows[name]["score"], rows[name]["max_score"]) == (str(last.score), str(last.max_score))
        assert [p for p in server.tmp.rglob("*") if p.is_file()] == []  # nothing kept on disk
    finally:
        server.stop()
    assert list(server.tmp.iterdir()) == []


def test_opening_the_page_to_the_network_is_said_out_loud(tmp_path):
    server = Server(tmp_path, "--host", "0.0.0.0")
    try:
        assert any(line.startswith("Warning: --host 0.0.0.0 makes this page reachable by every device")
                   for line in server.lines)
        assert server.token is None  # no roster, no gradebook: no class table, no token
        with urlopen(server.url + "/", timeout=10) as response:
            assert response.status == 200
    finally:
        log = server.stop()
    assert "stopped" in log
    (tmp_path / "again").mkdir()
    loopback = Server(tmp_path / "again")  # the default, loopback only: no warning
    try:
        assert not any("Warning" in line for line in loopback.lines)
    finally:
        loopback.stop()


def test_serve_refuses_a_gradebook_it_cannot_keep(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name\nA\n", encoding="utf-8")
    r = run_cli("serve", "--roster", roster, "--gradebook", roster)
    assert r.returncode == 2 and "would overwrite the roster" in r.stderr
    r = run_cli("serve", "--gradebook", tmp_path / "no" / "grades.csv")
    assert r.returncode == 2 and "its folder does not exist" in r.stderr and r.stderr.count("\n") == 1


def test_a_gradebook_that_cannot_be_written_does_not_cost_the_learner_the_result(tmp_path, books, monkeypatch):
    from matchbox.errors import MatchboxError
    from matchbox.grading import files

    def full_disk(out, data):
        raise MatchboxError(f"cannot write {out}: No space left on device")

    monkeypatch.setattr(files, "write_atomic", full_disk)
    _, c = client(gradebook=tmp_path / "grades.csv", token="t")
    response = upload(c, books["slip"])
    assert response.status_code == 303
    assert c.get(response.headers["Location"]).status_code == 200
    assert "山田 花子" in c.get("/class?token=t").text  # kept in memory all the same


def test_a_failure_of_ours_is_said_in_the_pages_language_and_in_english_to_the_instructor(books, monkeypatch):
    """A bug of ours costs the learner one line in their own language; the terminal's log stays English."""
    import matchbox.web.app as web_app

    def broken(filled, marking):
        raise KeyError("boom")
    monkeypatch.setattr(web_app, "grade", broken)
    heard = []
    _, c = client(on_result=lambda report, error: heard.append(error))
    ja = text_of(upload(c, books["slip"], lang="ja").text)
    en = text_of(upload(c, books["slip"], lang="en").text)
    assert "内部のエラー (KeyError) のため採点できませんでした" in ja and "internal error" not in ja
    assert "could not be graded: internal error (KeyError)" in en
    assert all("internal error (KeyError)" in e for e in heard) and len(heard) == 2
