"""The words of checking scanned or photographed answer pages (`check scan.pdf`): where an answer stands on
paper, the cells a person should look at, pages not found."""

WORDS: dict[str, dict[str, str]] = {
    # where an answer is on paper: its page and its label ({label}: the answer's label)
    "paper.address": {"en": "page {page} · {label}", "ja": "{page}ページ・{label}"},
    "paper.sheet": {"en": "sheet {n}", "ja": "{n}枚目"},
    "paper.pages": {"en": "pages {pages}", "ja": "{pages}ページ"},
    "paper.missing": {"en": "missing {pages}", "ja": "{pages}ページなし"},
    "paper.read": {"en": "read as", "ja": "読み取り"},
    "paper.empty": {"en": "(empty)", "ja": "(空欄)"},
    "paper.review": {"en": "could not read with confidence — please check",
                     "ja": "読み取りに自信がありません。確認してください"},
    "paper.review-after": {"en": "graded from {address}, which could not be read with confidence — please "
                                 "check",
                           "ja": "読み取りに自信のない{address}をもとに採点しました。確認してください"},
    "paper.to-check": {"en": "{n} to check", "ja": "要確認 {n}"},
    "paper.page-missing": {"en": "page {page} of {of} was not found in the scans; its answers are counted as "
                                 "blank.",
                           "ja": "{of}ページ中{page}ページ目がスキャンに見つかりません。そのページの解答は未記入として"
                                 "扱いました。"},
    "paper.batch": {"en": "{n} sheets: {passed} full marks, {mistakes} with something to fix, {errors} could not be "
                          "read{mean}; {review} answers to check by eye",
                    "ja": "{n} 枚: 満点 {passed}、見直しあり {mistakes}、読み取り不可 {errors}{mean}。"
                          "目で確認する解答 {review}"},
    "paper.crops": {"en": "the boxes to check: {folder}", "ja": "確認する枠の画像: {folder}"},
    "paper.no-gradescope": {"en": "--gradescope is for workbooks; for scans, --gradebook FILE.csv writes the "
                                  "grades and --annotate OUT a graded copy of each sheet",
                            "ja": "--gradescope はワークブック用です。スキャンには --gradebook FILE.csv(成績)と "
                                  "--annotate OUT(採点結果のPDF)を使ってください"},
}
