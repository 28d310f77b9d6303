"""What `check` says of one cell: the names of the marks, the feedback sentences (and their exam forms,
with no number of the key in them), rounding habits, what a cell holds that is not a number, and the
carried cells folded into one line per table."""

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
    # --- mistakes first: the cells carried from an earlier slip, one line per table (check, the result page) -
    "mistakes.carried": {"en": "{table}: {n} cells follow correctly from your own earlier numbers",
                         "ja": "「{table}」の {n} 個のセルは、あなたの前の値から正しく計算されています"},
    "mistakes.carried_one": {"en": "{table}: 1 cell follows correctly from your own earlier numbers",
                             "ja": "「{table}」の 1 個のセルは、あなたの前の値から正しく計算されています"},
    "mistakes.all": {"en": "check --all lists every cell", "ja": "すべてのセルを表示するには --all を付けてください"},
    "mistakes.note": {"en": "note {n}", "ja": "注 {n}"},
    # --- a class drawn with a secret (`solve WORKBOOK`), and exam mode (`check --exam`, `serve --exam`): the
    # feedback with no expected, carried or computed value in it ({because}: a cell, {habit}: a rounding habit)
    "secret.needed": {"en": "{file}: this workbook is from a class generated with a secret; its solution is shown "
                            "only with that secret (solve --secret)",
                      "ja": "{file}: このワークブックはシークレットを指定して作成したクラスのものです。解答を表示するには、"
                            "そのシークレットを --secret で指定してください"},
    "secret.wrong": {"en": "{file}: this is not the secret its class was generated with",
                     "ja": "{file}: このクラスを作成したときのシークレットと一致しません"},
    "exam.carried": {"en": "follows from your earlier answers", "ja": "前の自分の答えから正しく計算できています"},
    "exam.undefined": {"en": "no value follows from your earlier answers; counted as right",
                       "ja": "前の自分の答えからは値が定まらないため、正解として扱います"},
    "exam.simplified": {"en": "follows from your numbers, but an earlier error (your value in {because}) made this "
                              "step trivial: no credit",
                        "ja": "自分の数値からは合っていますが、前の誤り({because} の値)で計算が簡単になったため、得点に"
                              "なりません"},
    "exam.copied": {"en": "the same numbers as the row above ({because}), where each row should differ: no credit",
                    "ja": "上の行({because})と同じ数値です。行ごとに値が変わるはずなので、得点になりません"},
    "exam.zeros": {"en": "a row of zeros where other numbers belong: no credit for this row",
                   "ja": "この行はすべて 0 ですが、0 以外の数になるはずです。この行は得点になりません"},
    "exam.rounding": {"en": "rounding habit: {habit} (noted once)", "ja": "四捨五入の仕方について: {habit}(指摘は1回だけです)"},
    "exam.rounding-again": {"en": "the same rounding habit as {because} (no further cost)",
                            "ja": "{because} と同じ四捨五入の仕方です(減点は1回だけです)"},
    "exam.incorrect": {"en": "incorrect; {formula}", "ja": "正しくありません。{formula}"},
    "exam.incorrect-carried": {"en": "incorrect, and it does not follow from your earlier answers either; {formula}",
                               "ja": "正しくありません(前の自分の答えから計算しても合いません)。{formula}"},
    "exam.nan": {"en": "{problem}", "ja": "{problem}"},
}
