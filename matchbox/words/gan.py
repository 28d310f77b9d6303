"""`matchbox train gan`: the words of its terminal lines and pictures."""

WORDS: dict[str, dict[str, str]] = {
    # --- the terminal ({g}, {d}: the generator's and discriminator's layer sizes) --------------------------
    "gan.header": {
        "en": "GAN on {dataset} ({n:,} training samples, from {source}): generator G {g}, discriminator D {d}; "
              "{how}, batch {batch}, seed {seed}",
        "ja": "敵対的生成ネットワーク (GAN)、データ: {dataset}(訓練サンプル {n:,} 個、{source} から)。"
              "生成器 G {g}、識別器 D {d}。{how}、バッチサイズ {batch}、シード {seed}"},
    "gan.ring-source": {"en": "8 Gaussians on a circle of radius 2, σ = 0.02",
                        "ja": "半径 2 の円周上の 8 個のガウス分布、σ = 0.02"},
    "gan.packed": {"en": ", D judges {m} samples at a time (PacGAN)",
                   "ja": "、識別器は {m} 個のサンプルをまとめて判定 (PacGAN)"},
    "gan.cosine": {"en": ", η falling to 0 on a cosine", "ja": "、η をコサインで 0 まで下げる"},
    "gan.smoothed": {"en": ", real samples labelled {label:g} (one-sided label smoothing)",
                     "ja": "、本物のラベルは {label:g}(片側ラベル平滑化)"},
    "gan.epoch": {
        "en": "epoch {e}/{epochs}  D loss {d:.3f}  G loss {g:.3f}  σ(D(x)) {dr:.2f}  σ(D(G(z))) {df:.2f}{quality}"
              "  ({s:.1f} s)",
        "ja": "エポック {e}/{epochs}  識別器の損失 {d:.3f}  生成器の損失 {g:.3f}  σ(D(x)) {dr:.2f}  "
              "σ(D(G(z))) {df:.2f}{quality}  ({s:.1f} 秒)"},
    "gan.epoch-digits": {"en": "  confident {share:.0%}, classes {covered}",
                         "ja": "  確信して分類 {share:.0%}、クラス数 {covered}"},
    "gan.epoch-ring": {"en": "  modes {covered}/8", "ja": "  モード {covered}/8"},
    "gan.judge-found": {"en": "judge: {path} (the CNN that classifies the generated digits)",
                        "ja": "判定役: {path}(生成画像を分類する CNN)"},
    "gan.judge-training": {
        "en": "no judge at {path}: training one first, as `matchbox train cnn --dataset mnist` does ({epochs} "
              "epochs, a few minutes, once; later runs reuse the file; --judge MODEL.npz names another)",
        "ja": "{path} に判定役の CNN がないため、先に学習します(`matchbox train cnn --dataset mnist` と同じく "
              "{epochs} エポック、数分かかります。最初の 1 回だけで、次からはこのファイルを使います。"
              "別のモデルは --judge MODEL.npz で指定できます)"},
    "gan.judge-trained": {"en": "judge saved: {path} (test accuracy {acc:.2f} %, {s:.0f} s)",
                          "ja": "判定役を保存しました: {path}(テストデータの正解率 {acc:.2f} %、{s:.0f} 秒)"},
    "gan.judge-unfit": {"en": "{path}: the judge must classify 28×28 digits into 10 classes (train it with "
                              "`matchbox train cnn --dataset mnist`)",
                        "ja": "{path}: 判定役は 28×28 の数字を 10 クラスに分類するモデルでなければなりません"
                              "(`matchbox train cnn --dataset mnist` で学習してください)"},
    "gan.not-digits": {"en": "the gan trains on mnist (28×28 digits) or ring (points in the plane), not {dataset}",
                       "ja": "GAN のデータは mnist(28×28 の数字)か ring(平面上の点)です。{dataset} は使えません"},
    "gan.hidden": {"en": "--hidden for the gan: one size (both G and D) or two, G's and D's hidden layers "
                         "mirrored, e.g. 256 or 128,128",
                   "ja": "GAN の --hidden は中間層のサイズです(G と D で左右対称)。例: 256、128,128"},
    "gan.verdict-digits": {
        "en": "the judge classifies {share:.1%} of 1,000 generated digits with confidence ≥ 0.9; {covered} of 10 "
              "classes take ≥ 5 % each (0–9: {shares})",
        "ja": "判定役は 1,000 枚の生成画像のうち {share:.1%} を確信度 0.9 以上で分類しました。"
              "10 クラス中 {covered} クラスが 5 % 以上を占めます(0〜9: {shares})"},
    "gan.verdict-ring": {
        "en": "{covered} of 8 modes covered (≥ 2 % of 1,000 samples within 2σ of the centre); {near:.0%} of the "
              "samples lie within 2σ of some mode",
        "ja": "8 個のモードのうち {covered} 個を再現しました(1,000 個のサンプルの 2 % 以上が中心から 2σ 以内)。"
              "サンプルの {near:.0%} がいずれかのモードの 2σ 以内にあります"},
    "gan.done": {"en": "{epochs} epochs, {seconds:.1f} s of training", "ja": "{epochs} エポック、学習時間 {seconds:.1f} 秒"},
    "gan.files": {"en": "pictures: {files}", "ja": "画像: {files}"},
    # --- the pictures --------------------------------------------------------------------------------------
    "gan.title": {"en": "GAN on {dataset}: G {g}, D {d}\n{how}, {epochs} epochs",
                  "ja": "GAN({dataset}): 生成器 G {g}、識別器 D {d}\n{how}、{epochs} エポック"},
    "gan.title-epochs": {"en": "The same noise z through the run", "ja": "同じノイズ z から生成した画像の変化"},
    "gan.plot-fixed": {"en": "generated digits (fixed noise, last epoch)",
                       "ja": "生成画像(固定したノイズ、最後のエポック)"},
    "gan.plot-judged": {"en": "the judge CNN on 1,000 generated digits:\n{share:.0f} % confident (≥ 0.9), "
                              "{covered} of 10 classes",
                        "ja": "判定役の CNN による 1,000 枚の生成画像の分類:\n確信度 0.9 以上 {share:.0f} %、"
                              "10 クラス中 {covered} クラス"},
    "gan.plot-class": {"en": "class the judge sees", "ja": "判定役が分類したクラス"},
    "gan.plot-share": {"en": "share of generated digits (%)", "ja": "生成画像に占める割合 (%)"},
    "gan.plot-covered-line": {"en": "5 %: the class counts as covered", "ja": "5 %: このクラスを再現したとみなす線"},
    "gan.plot-real": {"en": "real points", "ja": "本物のデータ"},
    "gan.plot-generated": {"en": "generated points", "ja": "生成したデータ"},
    "gan.plot-modes": {"en": "{covered} of 8 modes covered (circles: 2σ; numbers: share of samples)",
                       "ja": "8 個中 {covered} 個のモードを再現(円: 2σ、数字: サンプルの割合)"},
    "gan.plot-d-loss": {"en": "discriminator D", "ja": "識別器 D"},
    "gan.plot-g-loss": {"en": "generator G (non-saturating)", "ja": "生成器 G(非飽和型の損失)"},
    "gan.plot-balance": {"en": "balance: {value:.3f}", "ja": "均衡点: {value:.3f}"},
    "gan.plot-loss-axis": {"en": "loss (binary cross-entropy)", "ja": "損失(2値の交差エントロピー誤差)"},
    "gan.plot-belief": {"en": "what D believes (mean σ(D))", "ja": "識別器の判定(σ(D) の平均)"},
    "gan.plot-belief-axis": {"en": "probability of \"real\"", "ja": "「本物」と判定する確率"},
    "gan.plot-d-real": {"en": "on real samples σ(D(x))", "ja": "本物のデータ σ(D(x))"},
    "gan.plot-d-fake": {"en": "on generated samples σ(D(G(z)))", "ja": "生成したデータ σ(D(G(z)))"},
    "gan.plot-epoch-n": {"en": "epoch {n}", "ja": "エポック {n}"},
    "gan.plot-epoch-of": {"en": "epoch {n}/{epochs}", "ja": "エポック {n}/{epochs}"},
}
