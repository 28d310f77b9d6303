"""`matchbox train autoencoder`: the words of its terminal lines and pictures."""

WORDS: dict[str, dict[str, str]] = {
    # --- what the terminal shows ------------------------------------------------------------------------------
    "ae.setting-anomaly": {"en": "the digit {digit} is the anomaly (trained on the other nine digits)",
                           "ja": "数字 {digit} を異常とします(ほかの9種類の数字で学習します)"},
    "ae.setting-normal": {"en": "the digit {digit} is normal (every other digit is an anomaly)",
                          "ja": "数字 {digit} を正常とします(ほかの数字はすべて異常です)"},
    "ae.loss-bce": {"en": "binary cross-entropy", "ja": "2値交差エントロピー誤差"},
    "ae.loss-se": {"en": "squared error", "ja": "二乗和誤差"},
    "ae.header": {"en": "autoencoder {sizes} ({loss}) on {dataset} (from {source}): {setting}",
                  "ja": "自己符号化器(オートエンコーダ){sizes}({loss})、データセット {dataset}({source}): {setting}"},
    "ae.sizes": {"en": "{train:,} normal training images; test: {normal:,} normal, {anomalous:,} anomalous; "
                       "{optimizer}, η = {lr:g}, batch {batch}, seed {seed}",
                 "ja": "正常な訓練画像 {train:,} 枚、テスト画像は正常 {normal:,} 枚・異常 {anomalous:,} 枚。"
                       "{optimizer}、η = {lr:g}、バッチ {batch}、シード {seed}"},
    "ae.epoch": {"en": "epoch {epoch}/{epochs}  train loss {train:.4f}  test loss (normal) {test:.4f}  "
                       "AUC {auc:.4f}  ({seconds:.1f} s)",
                 "ja": "エポック {epoch}/{epochs}  訓練損失 {train:.4f}  テスト損失(正常){test:.4f}  "
                       "AUC {auc:.4f}({seconds:.1f} 秒)"},
    "ae.result-auc": {"en": "ROC AUC of normal against anomalous test images: autoencoder {auc:.4f}, "
                            "PCA with {code} components {baseline:.4f}",
                      "ja": "テスト画像で正常と異常を分ける ROC AUC: 自己符号化器 {auc:.4f}、"
                            "主成分分析 (PCA)({code} 成分){baseline:.4f}"},
    "ae.result-threshold": {"en": "threshold at a {target:g} % false-positive rate: a reconstruction error above "
                                  "{threshold:.5f} flags {tpr:.1f} % of the anomalous images ({fpr:.1f} % of the "
                                  "normal ones); PCA at its own threshold flags {baseline_tpr:.1f} %",
                            "ja": "偽陽性率 {target:g} % のしきい値: 再構成誤差が {threshold:.5f} を超える画像を"
                                  "異常とすると、異常な画像の {tpr:.1f} % を見つけます(正常な画像の {fpr:.1f} % を"
                                  "誤って異常とします)。PCA は同じ偽陽性率のしきい値で {baseline_tpr:.1f} % です"},
    "ae.files": {"en": "model: {model}  pictures: {pictures}", "ja": "モデル: {model}  図: {pictures}"},
    # --- errors, one line each --------------------------------------------------------------------------------
    "ae.error-both": {"en": "--anomaly and --normal do not go together: --anomaly D trains on the nine other "
                            "digits, --normal D on D alone",
                      "ja": "--anomaly と --normal は同時に指定できません。--anomaly D は D 以外の9種類の数字で、"
                            "--normal D は D だけで学習します"},
    "ae.error-dataset": {"en": "the autoencoder learns images: use --dataset digits or mnist, not {dataset}",
                         "ja": "自己符号化器は画像を学習します。--dataset には {dataset} ではなく digits か mnist "
                               "を指定してください"},
    "ae.error-code": {"en": "--code {code} is not smaller than the {pixels} pixels of an image: the autoencoder "
                            "could just copy its input",
                      "ja": "--code {code} が画像の画素数 {pixels} 以上です。これでは自己符号化器は入力を"
                            "そのまま写すだけになります"},
    "ae.error-code-images": {"en": "--code {code} is more than the {n} normal training images: PCA cannot find "
                                   "that many components",
                             "ja": "--code {code} が正常な訓練画像の枚数 {n} を超えています。主成分分析 (PCA) は"
                                   "それだけの成分を求められません"},
    "ae.error-hidden": {"en": "--hidden {value!r}: give the encoder's hidden sizes like 32 or 128,64 "
                              "(the decoder mirrors them)",
                        "ja": "--hidden {value!r}: エンコーダの中間層の大きさを 32 や 128,64 のように指定してください"
                              "(デコーダは同じ大きさを逆順に使います)"},
    # --- the pictures -------------------------------------------------------------------------------------------
    "ae.normal": {"en": "normal test images", "ja": "正常なテスト画像"},
    "ae.anomalous": {"en": "anomalous test images", "ja": "異常なテスト画像"},
    "ae.row-input": {"en": "input", "ja": "入力"},
    "ae.row-reconstruction": {"en": "reconstruction", "ja": "再構成"},
    "ae.row-difference": {"en": "|difference|", "ja": "差の絶対値"},
    "ae.grid-title": {"en": "Autoencoder {sizes} on {dataset}: {setting}\nunder each difference: the image's anomaly score",
                      "ja": "自己符号化器 {sizes}({dataset}): {setting}\n差の下の数は画像の異常度"},
    "ae.normal-count": {"en": "normal ({n:,})", "ja": "正常({n:,} 枚)"},
    "ae.anomalous-count": {"en": "anomalous ({n:,})", "ja": "異常({n:,} 枚)"},
    "ae.threshold-line": {"en": "threshold {threshold:.4f}: false positives {fpr:.1f} %, anomalies found {tpr:.1f} %",
                          "ja": "しきい値 {threshold:.4f}: 偽陽性率 {fpr:.1f} %、異常の検出率 {tpr:.1f} %"},
    "ae.score-axis": {"en": "anomaly score: reconstruction error per pixel (log scale)",
                      "ja": "異常度: 1画素あたりの再構成誤差(対数目盛)"},
    "ae.density-axis": {"en": "share of the group (%)", "ja": "各グループ内の割合 (%)"},
    "ae.autoencoder-auc": {"en": "autoencoder (AUC {auc:.4f})", "ja": "自己符号化器(AUC {auc:.4f})"},
    "ae.pca-auc": {"en": "PCA, {code} components (AUC {auc:.4f})", "ja": "主成分分析 (PCA)、{code} 成分(AUC {auc:.4f})"},
    "ae.scores-title": {"en": "Anomaly scores of the test images on {dataset}: {setting}",
                        "ja": "テスト画像の異常度({dataset}): {setting}"},
    "ae.train-loss": {"en": "train loss (normal)", "ja": "訓練データの損失(正常)"},
    "ae.test-loss": {"en": "test loss (normal)", "ja": "テストデータの損失(正常)"},
    "ae.loss-axis": {"en": "loss per image ({loss})", "ja": "画像1枚あたりの損失({loss})"},
    "ae.loss-title": {"en": "learning curve", "ja": "学習曲線"},
    "ae.auc-per-epoch": {"en": "test ROC AUC", "ja": "テストデータの ROC AUC"},
    "ae.auc-axis": {"en": "ROC AUC", "ja": "ROC AUC"},
    "ae.chance": {"en": "chance (AUC 0.5)", "ja": "でたらめな判定(AUC 0.5)"},
    "ae.fpr-axis": {"en": "false-positive rate (normal images flagged)", "ja": "偽陽性率(異常とされた正常な画像の割合)"},
    "ae.tpr-axis": {"en": "true-positive rate (anomalies found)", "ja": "真陽性率(見つけた異常の割合)"},
    "ae.roc-title": {"en": "ROC curve (dot: the threshold)", "ja": "ROC 曲線(点はしきい値の位置)"},
    "ae.roc-figure-title": {"en": "Autoencoder {sizes} against PCA on {dataset}: {setting}",
                            "ja": "自己符号化器 {sizes} と主成分分析 (PCA) の比較({dataset}): {setting}"},
}
