"""The words of scanned sheets on the checking page (`serve`): the upload of a photo or scan, the instructor's
review of the answers the reader was not sure of, and what the learner's result says until then."""

WORDS: dict[str, dict[str, str]] = {
    # the upload page
    "review.lead_scan": {"en": "A photo or scan of your answer pages (PDF, JPG, PNG) can be checked too.",
                         "ja": "解答用紙の写真やスキャン (PDF、JPG、PNG) も採点できます。"},
    "review.name": {"en": "Your name (for a photo or scan; a workbook knows it already)",
                    "ja": "お名前 (写真・スキャンの場合。ワークブックには記入済みです)"},
    "review.no_page": {"en": "no answer page was found (are the four corner markers and the QR code in the "
                             "picture?)",
                       "ja": "解答用紙が見つかりません。四隅のマーカーと QR コードが写っているか確かめてください"},
    # the review of one sheet
    "review.title": {"en": "Check the readings", "ja": "読み取りの確認"},
    "review.lead": {"en": "The reader was not sure of these answers. Look at each one's boxes: if the reading is "
                          "right, press Enter; if not, type the right number and press Enter.",
                    "ja": "次の解答は読み取りに自信がありません。枠の画像を見て、読み取りが正しければそのまま Enter "
                          "キーを、違っていれば正しい数を入力してから Enter キーを押してください。"},
    "review.keystrokes": {"en": "Enter: the reading is right · a number, then Enter: the right number · x, then Enter: "
                          "the field is empty · ↑ ↓: back and forth",
                    "ja": "Enter: 読み取りどおり ・ 数を入力して Enter: 正しい数に訂正 ・ x を入力して Enter: "
                          "空欄 ・ ↑ ↓: 前後に移動"},
    "review.sheet": {"en": "Sheet", "ja": "用紙"},
    "review.read": {"en": "read as", "ja": "読み取り"},
    "review.empty": {"en": "(empty)", "ja": "(空欄)"},
    "review.confidence": {"en": "sure {percent}%", "ja": "確信度 {percent}%"},
    "review.right_number": {"en": "The right number for {address}", "ja": "{address}の正しい数"},
    "review.confirmed": {"en": "✓ as read", "ja": "✓ 読み取りどおり"},
    "review.corrected": {"en": "→ {value}", "ja": "→ {value} に訂正"},
    "review.blanked": {"en": "→ empty", "ja": "→ 空欄に訂正"},
    "review.progress": {"en": "{n} / {total}", "ja": "{n} / {total}"},
    "review.done": {"en": "Grade the sheet with these numbers", "ja": "この数で用紙を採点する"},
    "review.bad_number": {"en": "“{text}” is not a number: type the number in the boxes, x for an empty field, or "
                                "nothing to keep the reading.",
                          "ja": "「{text}」は数として読めません。枠の中の数を入力してください。空欄なら x を、"
                                "読み取りどおりなら何も入力しないでください。"},
    "review.already": {"en": "This sheet has been checked already; its grade is final.",
                       "ja": "この用紙は確認済みで、成績は確定しています。"},
    # the instructor's list of sheets to check
    "review.queue": {"en": "Scanned sheets to check", "ja": "確認待ちのスキャン用紙"},
    "review.queue_lead": {"en": "Sheets with answers the reader was not sure of. Each one's grade is final once "
                                "you have checked it, and then goes to the class table.",
                          "ja": "読み取りに自信のない解答がある用紙です。確認が済むと成績が確定し、クラスの表に"
                                "載ります。"},
    "review.nothing": {"en": "Nothing to check: every scanned sheet is graded.",
                       "ja": "確認待ちの用紙はありません。スキャンした用紙はすべて採点済みです。"},
    "review.count": {"en": "{n} to check", "ja": "要確認 {n} 件"},
    "review.open": {"en": "Check", "ja": "確認する"},
    "review.waiting_class": {"en": "{n} scanned sheet(s) await your check.",
                             "ja": "確認待ちのスキャン用紙が {n} 枚あります。"},
    "review.back_class": {"en": "Back to the class table", "ja": "クラスの表に戻る"},
    # the learner's result of a scanned sheet
    "review.waiting": {"en": "Awaiting review: the reader was not sure of {n} answer(s) on this sheet. Until "
                             "they are checked, the score below may still change.",
                       "ja": "確認待ち: この用紙には読み取りに自信のない解答が {n} 件あります。確認が済むまで、"
                             "下の得点は確定していません。"},
    "review.final": {"en": "Every reading on this sheet has been checked: this grade is final.",
                     "ja": "この用紙の読み取りはすべて確認済みです。成績は確定しました。"},
    "review.check_now": {"en": "Check the readings", "ja": "読み取りを確認する"},
    "review.see_result": {"en": "See the result", "ja": "結果を見る"},
    "review.to_check": {"en": "to check", "ja": "要確認"},
    # an upload holding several learners' sheets
    "review.sheets": {"en": "Sheets in {file}", "ja": "{file} の用紙"},
    "review.sheet_n": {"en": "sheet {n}", "ja": "{n}枚目"},
    "review.awaiting": {"en": "awaiting review", "ja": "確認待ち"},
}
