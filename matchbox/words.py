"""Every word and sentence matchbox shows a person, in English and Japanese, in one table.

For a Japanese editor: each entry is `key: {"en": ..., "ja": ...}`; change the "ja" text freely. Keep
whatever stands in braces ({expected}, {n}...) exactly as it is: the program puts a number or a cell's name
there. The groups follow where the words appear: the names of the marks, the feedback on each cell, the
summary a terminal prints, the graded copy of a workbook, the workbook itself, the printable sheet, the
checking page, and the notes the reader writes when it had to look for a table. The exercises' own texts
(titles, instructions, labels, formulas) are in each exercise's module under matchbox/kinds/, and the names
of the classic slips in matchbox/worksheet/slips.py. The committed sheets (worksheets/, answers/) are made
from these words: after changing one, run `matchbox pack` to regenerate them.
"""
from __future__ import annotations

LANGS = ("en", "ja")

WORDS: dict[str, dict[str, str]] = {
    # --- what a cell is marked (the terminal, the checking page, the graded copy) ---------------------------
    "status.correct": {"en": "correct", "ja": "正解"},
    "status.carried": {"en": "carried", "ja": "前の値からは正解"},
    "status.simplified": {"en": "simplified", "ja": "前の誤りで簡単になったため得点なし"},
    "status.rounding": {"en": "rounding note", "ja": "四捨五入の仕方について"},
    "status.incorrect": {"en": "incorrect", "ja": "不正解"},
    "status.blank": {"en": "blank", "ja": "未記入"},

    # --- the feedback on one cell -----------------------------------------------------------------------
    "feedback.correct": {"en": "correct", "ja": "正解"},
    "feedback.carried": {"en": "follows from your earlier answers (key: {expected})",
                         "ja": "前の自分の答えから正しく計算できています(模範解答: {expected})"},
    "feedback.undefined": {"en": "no value follows from your earlier answers (key: {expected})",
                           "ja": "前の自分の答えからは値が定まらないため、正解として扱います(模範解答: {expected})"},
    "feedback.simplified": {"en": "follows from your numbers, but an earlier error (your value in {because}) made "
                                  "this step trivial: no credit (key: {expected})",
                            "ja": "自分の数値からは合っていますが、前の誤り({because} の値)で計算が簡単になったため、得点に"
                                  "なりません(模範解答: {expected})"},
    "feedback.copied": {"en": "the same numbers as the row above ({because}), where the key's rows differ: no credit "
                              "(key: {expected})",
                        "ja": "上の行({because})と同じ数値です。模範解答では行ごとに値が変わるため、得点になりません"
                              "(模範解答: {expected})"},
    "feedback.zeros": {"en": "a row of zeros where the key's row has other numbers: no credit for this row "
                             "(key: {expected})",
                       "ja": "この行はすべて 0 ですが、模範解答の行には 0 以外の数があります。この行は得点になりません"
                             "(模範解答: {expected})"},
    "feedback.rounding": {"en": "rounding habit: {habit} (noted once; key: {expected})",
                          "ja": "四捨五入の仕方について: {habit}(指摘は1回だけです。模範解答: {expected})"},
    "feedback.rounding-again": {"en": "the same rounding habit as {because} (no further cost; key: {expected})",
                                "ja": "{because} と同じ四捨五入の仕方です(減点は1回だけです。模範解答: {expected})"},
    "feedback.incorrect": {"en": "expected {expected}; {formula}", "ja": "正しくは {expected} です。{formula}"},
    "feedback.incorrect-carried": {"en": "expected {expected} (or {carried} from your earlier answers); {formula}",
                                   "ja": "正しくは {expected} です(前の自分の答えから計算すると {carried} になります)。{formula}"},
    "feedback.blank": {"en": "blank; {formula}", "ja": "未記入です。{formula}"},
    "feedback.nan": {"en": "{problem}; expected {expected}", "ja": "{problem}。正しくは {expected} です"},
    "feedback.slip": {"en": "; likely slip: {slip}", "ja": "。考えられる間違い: {slip}"},
    "feedback.or": {"en": " (or: {other})", "ja": "、または{other}"},

    # rounding habits, named in a rounding note ({r}: the decimals the learner kept, {n}: the sheet's)
    "habit.truncated": {"en": "cut off instead of rounded (round the last digit half up)",
                        "ja": "四捨五入ではなく切り捨てています(最後の桁は四捨五入します)"},
    "habit.rounded-short": {"en": "rounded to {r} decimal places; the sheet asks for {n}",
                            "ja": "小数第{r}位までに丸めています(このシートでは小数第{n}位まで求めます)"},
    "habit.rounded-early": {"en": "rounded too early: earlier results rounded to {r} decimal places before this step",
                            "ja": "途中の値を小数第{r}位までに丸めてから計算しています(丸めるのが早すぎます)"},
    "habit.drift": {"en": "the last digit differs by rounding between steps (keep the decimals the sheet asks for, "
                          "and go on from your rounded answers)",
                    "ja": "途中の丸め方の違いで最後の桁がずれています(各答えを指定の桁で四捨五入し、次の計算には丸めた値を"
                          "使います)"},

    # what a cell holds that is not a number ({detail}: what it holds)
    "nan.infinite": {"en": "not a finite number", "ja": "有限の数ではありません"},
    "nan.date": {"en": "the spreadsheet turned this entry into a date or time",
                 "ja": "表計算ソフトが日付または時刻に変換しています"},
    "nan.error": {"en": "the spreadsheet shows an error: {detail}", "ja": "表計算ソフトのエラー表示です: {detail}"},
    "nan.formula": {"en": "a formula with no saved value", "ja": "値が保存されていない数式です"},
    "nan.text": {"en": "not a number: {detail}", "ja": "数値ではありません: {detail}"},
    "nan.undefined": {"en": "written as: no answer exists ({detail})", "ja": "「答えは存在しない」という記入です({detail})"},

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

    # --- the checking page (`serve`) -----------------------------------------------------------------------
    "web.title": {"en": "Check your workbook", "ja": "ワークブックの採点"},
    "web.lead": {"en": "Drop your filled-in matchbox workbook here, or choose it.",
                 "ja": "記入したワークブックをここにドロップするか、選んでください。"},
    "web.choose": {"en": "Choose a workbook (.xlsx)", "ja": "ワークブックを選ぶ (.xlsx)"},
    "web.check": {"en": "Check", "ja": "採点する"},
    "web.drop": {"en": "Drop the workbook here", "ja": "ここにドロップ"},
    "web.private": {"en": "Your workbook is checked, then discarded: it is not stored.",
                    "ja": "ワークブックは採点後に破棄され、保存されません。"},
    "web.checking": {"en": "Checking…", "ja": "採点中…"},
    "web.score": {"en": "Score", "ja": "得点"},
    "web.download": {"en": "Download the marked workbook", "ja": "採点済みワークブックをダウンロード"},
    "web.again": {"en": "Check another workbook", "ja": "別のワークブックを採点する"},
    "web.blank_cells": {"en": "{n} blank cells", "ja": "未記入 {n} セル"},
    "web.all_correct": {"en": "Every cell is correct. Well done!", "ja": "すべて正解です。よくできました!"},
    "web.expired": {"en": "This result is no longer here (results are kept for a few hours). Upload your workbook "
                          "again.",
                    "ja": "この結果はもうありません(結果は数時間で消えます)。もう一度アップロードしてください。"},
    "web.not_found": {"en": "No such page.", "ja": "ページが見つかりません。"},
    "web.error_title": {"en": "This file cannot be checked", "ja": "このファイルは採点できません"},
    "web.no_file": {"en": "Choose a workbook to upload first.", "ja": "先にワークブックを選んでください。"},
    "web.too_large": {"en": "the file is larger than {mb} MB, too large for a matchbox workbook",
                      "ja": "ファイルが {mb} MB を超えています(matchbox のワークブックには大きすぎます)"},
    "web.class": {"en": "Class", "ja": "クラス"},
    "web.class_lead": {"en": "The latest upload of each learner for each exercise; this page refreshes itself.",
                       "ja": "各受講者の課題ごとの最新の提出です。このページは自動で更新されます。"},
    "web.per_exercise": {"en": "per exercise", "ja": "課題ごと"},
    "web.tally_cell": {"en": "{submitted} of {total} handed in, {passed} with full marks",
                       "ja": "{total} 人中 {submitted} 人が提出、満点は {passed} 人です"},
    "web.csv_wide": {"en": "One row per learner (CSV)", "ja": "1 人 1 行の成績表 (CSV)"},
    "web.token": {"en": "This page needs the link printed when matchbox serve started.",
                  "ja": "このページを開くには matchbox serve の起動時に表示されたリンクが必要です。"},
    "web.missing": {"en": "not yet", "ja": "未提出"},
    "web.passed": {"en": "full marks", "ja": "満点"},
    "web.mistakes": {"en": "to fix", "ja": "見直しあり"},
    "web.error": {"en": "could not be graded", "ja": "採点不可"},
    "web.checked_at": {"en": "checked", "ja": "採点時刻"},
    "web.slips": {"en": "slips", "ja": "よくある間違い"},
    "web.percent": {"en": "%", "ja": "%"},
    "web.not_on_roster": {"en": "not on the roster", "ja": "名簿にない名前"},
    "web.failed": {"en": "{n} upload(s) could not be graded.", "ja": "採点できなかった提出が {n} 件あります。"},
    "web.csv": {"en": "Download the gradebook (CSV)", "ja": "成績表 (CSV) をダウンロード"},
    "web.legend": {"en": "Marks", "ja": "記号"},
    "web.language": {"en": "日本語", "ja": "English"},
    "web.tally": {"en": "{submitted} of {total} handed in; {passed} with full marks.",
                  "ja": "{total} 人中 {submitted} 人が提出し、うち {passed} 人が満点です。"},

    # --- the pictures of train, experiment and replay ({name}: a series' name) ------------------------------
    "plot.train": {"en": "train", "ja": "訓練データ"},
    "plot.test": {"en": "test", "ja": "テストデータ"},
    "plot.epoch": {"en": "epoch", "ja": "エポック"},
    "plot.loss": {"en": "loss", "ja": "損失"},
    "plot.loss-axis": {"en": "loss (cross-entropy)", "ja": "損失(交差エントロピー誤差)"},
    "plot.accuracy": {"en": "accuracy", "ja": "正解率"},
    "plot.accuracy-axis": {"en": "accuracy (%)", "ja": "正解率 (%)"},
    "plot.test-accuracy": {"en": "test accuracy (%)", "ja": "テストデータの正解率 (%)"},
    "plot.test-loss": {"en": "test loss (cross-entropy)", "ja": "テストデータの損失(交差エントロピー誤差)"},
    "plot.hidden-layers": {"en": "hidden layers", "ja": "中間層の数"},
    "plot.layer": {"en": "{name}: layer {n}", "ja": "{name}: 第{n}層"},
    "plot.step": {"en": "step", "ja": "ステップ"},
    "plot.engine": {"en": "{name} (engine)", "ja": "{name}(エンジン)"},
    "plot.yours": {"en": "{name} (your sheet)", "ja": "{name}(あなたのシート)"},
    "plot.sheet-steps": {"en": "the sheet's steps", "ja": "シートのステップ"},
    "plot.decision-line": {"en": "decision line", "ja": "決定境界"},
    "plot.after": {"en": "after the last step", "ja": "最後のステップのあと"},
    "plot.replay-title": {"en": "{variant}: {steps:,} steps by the engine", "ja": "{variant}: エンジンで {steps:,} ステップ"},
    "plot.experiment-title": {"en": "{name} on {dataset} ({epochs} epochs each)",
                              "ja": "{name}({dataset}、各 {epochs} エポック)"},

    # --- what `replay` prints (its summary's keys, in words) ------------------------------------------------
    "replay.variant": {"en": "variant", "ja": "問題番号"},
    "replay.kind": {"en": "kind", "ja": "課題の種類"},
    "replay.steps": {"en": "steps by the engine", "ja": "エンジンのステップ数"},
    "replay.sheet_steps": {"en": "steps on the sheet", "ja": "シートのステップ数"},
    "replay.final_weights": {"en": "final weights", "ja": "最後の重み"},
    "replay.final_threshold": {"en": "final threshold", "ja": "最後のしきい値"},
    "replay.final_bias": {"en": "final bias", "ja": "最後のバイアス"},
    "replay.errors_with_final_weights": {"en": "items wrong with the final weights",
                                         "ja": "最後の重みで間違える項目の数"},
    "replay.changes": {"en": "steps that changed the weights", "ja": "重みが変わったステップの数"},
    "replay.first_error": {"en": "error E at the first step", "ja": "最初のステップの誤差 E"},
    "replay.last_error": {"en": "error E at the last step", "ja": "最後のステップの誤差 E"},
    "replay.final_x": {"en": "{name}: final x", "ja": "{name}: 最後の x"},
    "replay.plot_file": {"en": "plot", "ja": "グラフ"},

    # --- what the reader had to find elsewhere in a learner's workbook ({table}: a table's title) -----------
    "found.column-missing": {"en": "{table}: the column '{column}' was not found (its heading was changed or "
                                   "deleted?); its cells are counted as blank.",
                             "ja": "「{table}」の表に「{column}」の列が見つかりません(見出しが書き換えられたか、"
                                   "削除されたようです)。この列のセルは未記入として扱いました。"},
    "found.column-by-place": {"en": "{table}: the heading '{column}' was not found; its column was taken from its "
                                    "place in the table (column {letter}).",
                              "ja": "「{table}」の表に見出し「{column}」が見つからないため、表の中の位置から"
                                    "{letter}列をこの列として読みました。"},
    "found.row-by-place": {"en": "{table}: the row '{row}' was not found by its labels; row {r}, whose labels are "
                                 "empty, stands in its place and was graded as that row.",
                           "ja": "「{table}」の表に「{row}」の行がラベルでは見つかりません。その"
                                 "位置にあるラベルが空の{r}行目を、この行として採点しました。"},
    "found.row-missing": {"en": "{table}: the row '{row}' was not found (deleted, or its labels changed?); its cells "
                                "are counted as blank.",
                          "ja": "「{table}」の表に「{row}」の行が見つかりません(削除されたか、"
                                "ラベルが書き換えられたようです)。この行のセルは未記入として扱いました。"},
    "found.row-repeated": {"en": "{table}: the row '{row}' appears {n} times; the one in row {r}, which has the "
                                 "most filled in, was graded.",
                           "ja": "「{table}」の表に「{row}」の行が{n}つあります。記入が"
                                 "いちばん多い{r}行目を採点しました。"},
    "found.sheet-copies": {"en": "The sheets {names} all hold the tables of the sheet '{sheet}'; '{name}', which "
                                 "has the most answers filled in, was graded.",
                           "ja": "シート{names}には、どれも「{sheet}」シートの表があります。記入された答えが"
                                 "いちばん多い「{name}」を採点しました。"},
    "found.sheet-renamed": {"en": "There is no sheet named '{sheet}'; the sheet '{name}', which holds its tables, "
                                  "was graded in its place.",
                            "ja": "「{sheet}」という名前のシートがないため、同じ表がある「{name}」シートを採点しました。"},
    "found.sheet-ignored": {"en": "The sheet {names} is not part of the exercise and was not graded.",
                            "ja": "シート{names}は課題のシートではないため、採点していません。"},
    "found.sheets-ignored": {"en": "The sheets {names} are not part of the exercise and were not graded.",
                             "ja": "シート{names}は課題のシートではないため、採点していません。"},
    "found.column-n": {"en": "column {n}", "ja": "{n}列目"},  # a column without a heading
    "found.row-n": {"en": "row {n}", "ja": "{n}行目"},  # a row without labels
    "found.comma": {"en": ", ", "ja": "、"},  # between the labels that name a row

    # --- mistakes first: the cells carried from an earlier slip, one line per table (check, the result page) -
    "mistakes.carried": {"en": "{table}: {n} cells follow correctly from your own earlier numbers",
                         "ja": "「{table}」の {n} 個のセルは、あなたの前の値から正しく計算されています"},
    "mistakes.carried_one": {"en": "{table}: 1 cell follows correctly from your own earlier numbers",
                             "ja": "「{table}」の 1 個のセルは、あなたの前の値から正しく計算されています"},
    "mistakes.all": {"en": "check --all lists every cell", "ja": "すべてのセルを表示するには --all を付けてください"},
    "mistakes.note": {"en": "note {n}", "ja": "注 {n}"},

    # --- replay's step axis, for a run that settles before its last step -----------------------------------
    "steps.unchanged": {"en": "step\n(no change after step {s}; the engine ran to step {n:,})",
                        "ja": "ステップ\n(ステップ {s} 以降は変化しません。エンジンはステップ {n:,} まで計算しました)"},

    # --- the class's results (`matchbox report`, the page /projector of `serve`) --------------------------
    # one learner's page
    "learner.title": {"en": "Your results", "ja": "演習の結果"},
    "learner.name": {"en": "Name", "ja": "名前"},
    "learner.variant": {"en": "variant", "ja": "問題番号"},
    "learner.total": {"en": "{n} exercises handed in; {score} of {max_score} marks in all",
                      "ja": "提出した演習は {n} つ、合計 {score} / {max_score} 点です"},
    "learner.slips": {"en": "Slips found", "ja": "見つかった間違い"},
    "learner.cells": {"en": "{n} cells", "ja": "{n} か所"},
    "learner.no_slips": {"en": "No classic slip explains the wrong numbers; compare them with the formulas.",
                         "ja": "よくある間違いには当てはまりませんでした。式と見比べてみてください。"},
    "learner.review": {"en": "What to review", "ja": "復習するところ"},
    "learner.nothing_to_review": {"en": "Nothing: every table earned full marks.",
                                  "ja": "ありません。どの表も満点です。"},
    "learner.all_right": {"en": "Every answer is right. Well done!", "ja": "すべて正解です。よくできました。"},
    # the class on the projector, with no names ({wrong} of {total} learners)
    "projector.title": {"en": "The class at a glance", "ja": "クラス全体の結果"},
    "projector.headline": {"en": "{learners} learners, {workbooks} workbooks graded (no names shown)",
                           "ja": "{learners}人分、{workbooks}ファイルを採点しました(名前は表示しません)"},
    "projector.unreadable": {"en": "{n} files could not be graded and are not counted.",
                             "ja": "採点できなかったファイルが {n} 件あり、集計には含めていません。"},
    "projector.none": {"en": "No workbooks yet.", "ja": "まだ提出がありません。"},
    "projector.legend": {"en": "Share of learners with a wrong number (incorrect, or no credit):",
                         "ja": "間違えた人の割合(不正解または得点なし):"},
    "projector.exercise": {"en": "{wrong} of {total} learners with something to fix ({percent}%)",
                           "ja": "{total}人中{wrong}人に見直すところがあります({percent}%)"},
    "projector.mean": {"en": "mean score {mean}%", "ja": "平均 {mean}%"},
    "projector.slips": {"en": "Slips in the room", "ja": "よくある間違い"},
    "projector.slip": {"en": "{n} of {total}: {slip}", "ja": "{total}人中{n}人: {slip}"},
    "projector.tables": {"en": "Per table", "ja": "表ごと"},
    "projector.table": {"en": "table", "ja": "表"},
    "projector.wrong": {"en": "learners wrong", "ja": "間違えた人"},
    "projector.cells": {"en": "The cells most often wrong", "ja": "間違いの多いセル"},
    "projector.cell": {"en": "cell", "ja": "セル"},
    "projector.sheet": {"en": "Every cell: the share of learners wrong", "ja": "セルごとの間違えた人の割合"},
    # the terminal's short summary
    "projector.exercise_line": {"en": "{title} ({kind}): {wrong} of {total} learners with something to fix; "
                                      "mean score {mean}%",
                                "ja": "{title}({kind}): {total}人中{wrong}人に見直すところがあります。平均 {mean}%"},
    "projector.table_line": {"en": "table {title}: {wrong} of {total} wrong ({percent}%)",
                             "ja": "表「{title}」: {total}人中{wrong}人が間違えています({percent}%)"},
    "projector.cell_line": {"en": "cell {label}: {wrong} of {total} wrong ({percent}%)",
                            "ja": "セル {label}: {total}人中{wrong}人が間違えています({percent}%)"},
    "projector.written": {"en": "written: {path}", "ja": "書き出しました: {path}"},
    # --- the printed sheet: under a table with boxes copied from earlier answers (dashed, marked ↑) ------------
    "print.ref-note": {"en": "↑ Dashed boxes: copy in the value you worked out before (the row above, or the "
                             "table named in the heading); they are not marked.",
                       "ja": "↑ 点線の枠には、先に求めた値(一つ上の行、または見出しにある表の値)を書き写してください。"
                             "この枠は採点しません。"},
}


def word(key: str, lang: str, **args) -> str:
    """The text of `key` in `lang`, with `args` in its braces. An argument given in both languages (a dict
    {"en": ..., "ja": ...}, such as a table's title) is put in in `lang`."""
    text = WORDS[key][lang]
    if not args:
        return text
    return text.format(**{k: v[lang] if isinstance(v, dict) else v for k, v in args.items()})


def both(key: str, **args) -> dict[str, str]:
    """`key` in every language: {"en": ..., "ja": ...}."""
    return {lang: word(key, lang, **args) for lang in LANGS}


def section(prefix: str, lang: str) -> dict[str, str]:
    """Every word of a group ("web", "copy"...) by its name in the group: {"title": ..., ...}."""
    start = prefix + "."
    return {k[len(start):]: v[lang] for k, v in WORDS.items() if k.startswith(start)}


def quoted(names: list[str], lang: str) -> str:
    """Names in a sentence: 'a', 'b' and 'c'; 「a」と「b」."""
    if lang == "ja":
        return "と".join(f"「{n}」" for n in names)
    marked = [f"'{n}'" for n in names]
    return marked[0] if len(marked) == 1 else ", ".join(marked[:-1]) + " and " + marked[-1]
