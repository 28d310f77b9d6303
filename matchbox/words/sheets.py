"""The words of the files matchbox writes: the terminal's lines, Gradescope's results, the graded copy of a
workbook, the workbook a learner fills in and the printed sheet."""

WORDS: dict[str, dict[str, str]] = {
    # --- words shared by several places ----------------------------------------------------------------
    "variant": {"en": "variant", "ja": "問題番号"},
    "name": {"en": "name", "ja": "名前"},
    "file": {"en": "file", "ja": "ファイル"},
    "score": {"en": "score", "ja": "得点"},
    "printed": {"en": "printed", "ja": "元の値"},
    "recalc": {"en": "formulas recalculated with LibreOffice", "ja": "数式は LibreOffice で再計算しました"},
    "look-again": {"en": "Cells to look at again", "ja": "見直すセル"},
    "key-title": {"en": "ANSWER KEY", "ja": "模範解答"},  # a key's title ends with " — " and this
    "answer-box": {"en": "your answer", "ja": "解答欄"},
    # --- the terminal (`check`) -------------------------------------------------------------------------
    "report.learner": {"en": "learner", "ja": "名前"},
    "report.edited": {"en": "given edited", "ja": "与えられた値が書き換えられています"},
    "report.more": {"en": "and {n} more blank cells", "ja": "ほかに未記入のセルが {n} 個あります"},
    "report.marking": {"en": "carried cells earn {credit:g} of a mark; a rounding habit costs at most {penalty}",
                       "ja": "前の値からの正解は 1 セル {credit:g} 点、四捨五入の仕方による減点は最大 {penalty} 点です"},
    "report.batch": {"en": "{n} workbooks: {passed} full marks, {mistakes} with something to fix, {errors} could not "
                           "be graded{mean}",
                     "ja": "{n} ファイル: 満点 {passed}、見直しあり {mistakes}、採点不可 {errors}{mean}"},
    "report.mean": {"en": "; mean score {mean:.1f}%", "ja": "。平均 {mean:.1f}%"},
    "report.graded-copy": {"en": "{file}: a graded copy (made by check --annotate), not a learner's workbook; "
                                 "skipped",
                           "ja": "{file}: 採点済みのコピー (check --annotate で作成) のため、提出物として数えません。"},
    # --- Gradescope's results.json -----------------------------------------------------------------------
    "gradescope.all": {"en": "all correct", "ja": "すべて正解"},
    "gradescope.edited": {"en": "given numbers unchanged", "ja": "与えられた値の書き換えなし"},
    "gradescope.workbook": {"en": "workbook", "ja": "ワークブック"},
    # --- the graded copy of a workbook (`check --annotate`, the checking page's download) ------------------
    "copy.sheet": {"en": "Graded", "ja": "採点結果"},
    "copy.title": {"en": "Graded copy", "ja": "採点結果"},
    "copy.section": {"en": "section", "ja": "区分"},
    "copy.max": {"en": "out of", "ja": "満点"},
    "copy.cell": {"en": "cell", "ja": "セル"},
    "copy.label": {"en": "what", "ja": "内容"},
    "copy.value": {"en": "your answer", "ja": "あなたの答え"},
    "copy.expected": {"en": "key", "ja": "模範解答"},
    "copy.feedback": {"en": "feedback", "ja": "コメント"},
    "copy.slip": {"en": "likely slip", "ja": "よくある間違い"},
    "copy.edited": {"en": "A given number was overwritten (the key uses the printed one)",
                    "ja": "与えられた値が書き換えられています(採点は元の値で行いました)"},
    "copy.legend": {"en": "colours", "ja": "色の意味"},
    "copy.simplified": {"en": "simplified (no credit)", "ja": "簡単になったため得点なし"},
    "copy.notes": {"en": "notes", "ja": "注意"},
    # --- the workbook a learner fills in ------------------------------------------------------------------
    "sheet.exercise": {"en": "Exercise", "ja": "問題"},
    "sheet.work": {"en": "Work", "ja": "計算"},
    "sheet.given": {"en": "given (printed)", "ja": "与えられた値"},
    "sheet.meta-note": {"en": "This sheet lets `matchbox check` rebuild the answer key. Please leave it as it is.",
                        "ja": "このシートは `matchbox check` が模範解答を作り直すために使います。変更しないでください。"},
    "sheet.number-title": {"en": "A number, please", "ja": "数値を入力してください"},
    "sheet.number": {"en": "Type a number (for example 0.5 or -1).", "ja": "数値を入力してください(例: 0.5、-1)。"},
    # --- the printable sheet (HTML, PDF) ------------------------------------------------------------------
    "print.page": {"en": "page", "ja": "ページ"},
    "print.given": {"en": "given", "ja": "与えられた値"},
    "print.figure": {"en": "Figures", "ja": "図"},
    "print.qr": {"en": "When you have filled in the workbook, check it at {url} (or scan the code).",
                 "ja": "ワークブックに記入したら、{url} で採点できます(コードを読み取ってもかまいません)。"},
    "print.calculator": {"en": "This sheet needs a calculator with eˣ and ln (the natural log); a phone's scientific "
                               "calculator will do.",
                         "ja": "この演習には、eˣ と ln(自然対数)を計算できる関数電卓が必要です。"
                               "スマートフォンの関数電卓でもかまいません。"},
    # --- the printed sheet: under a table with boxes copied from earlier answers (dashed, marked ↑) ------------
    "print.ref-note": {"en": "↑ Dashed boxes: copy in the value you worked out before (the row above, or the "
                             "table named in the heading); they are not marked.",
                       "ja": "↑ 点線の枠には、先に求めた値(一つ上の行、または見出しにある表の値)を書き写してください。"
                             "この枠は採点しません。"},
    # --- the amount of work, the same for every learner of a class (the sheet and the workbook) ------------
    "print.count": {"en": "There are {n} answer boxes to fill in.", "ja": "解答欄は {n} 個です。"},
}
