"""The notes the reader writes when it had to look for a learner's table elsewhere ({table}: its title)."""

WORDS: dict[str, dict[str, str]] = {
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
    "found.row-relabelled": {"en": "{table}: the row '{row}' was not found by its labels; row {r}, labelled "
                                   "'{label}' and in its place, was graded as that row (a workbook made by an "
                                   "earlier matchbox, or a label typed over).",
                             "ja": "「{table}」の表に「{row}」の行がラベルでは見つかりません。その位置にある、ラベルが"
                                   "「{label}」の{r}行目を、この行として採点しました。以前の matchbox で作ったワーク"
                                   "ブックか、ラベルが書き換えられたようです。"},
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
}
