"""Input that does not fit the tokenizer (another script) is said once on stderr."""

from __future__ import annotations

import subprocess
import sys

from rnncli.infer.unfamiliar import SAMPLE, fits_message, prompt_message, watched
from rnncli.model.bundled import open_model

VOCAB = open_model("tokenizer-lstm", "tokenizer").words


def test_another_script_does_not_fit_the_english_tokenizer():
    assert fits_message(VOCAB, "tokenizer-lstm", "I study at night. Don't you?") is None
    message = fits_message(VOCAB, "tokenizer-lstm", "我们去学校。他们在家。")
    assert message.startswith("9 of the first 11 characters are of a script the tokenizer tokenizer-lstm never saw "
                              "(another language?)")  # not 。
    assert "--tokenizer" in message and "rnncli train tokenizer" in message
    assert fits_message(VOCAB, "t", "naïve café 😀") is None  # a few new characters are no other script


def test_lines_pass_unchanged_and_the_warning_comes_once():
    heard = []
    lines = ["우리는 학교에 갔습니다.\n"] * (SAMPLE // 10)
    assert list(watched(iter(lines), VOCAB, "tokenizer-lstm", heard.append)) == lines
    assert len(heard) == 1 and "never saw" in heard[0]


def test_tag_warns_on_stderr_for_another_script_only():
    def tag(text):
        return subprocess.run([sys.executable, "-m", "rnncli", "tag", "-f", "tags", text], capture_output=True,
                              text=True, check=True)

    assert tag("I study at night.").stderr == ""
    chinese = tag("我们去学校。他们在家。")
    assert chinese.stderr.count("rnncli: warning:") == 1 and "of a script the tokenizer" in chinese.stderr


def test_sentiment_warns_too_and_not_with_tokens_as_given():
    def sentiment(*args):
        return subprocess.run([sys.executable, "-m", "rnncli", "sentiment", *args], capture_output=True, text=True,
                              check=True)

    assert sentiment("What a great film").stderr == ""
    korean = sentiment("이 영화는 정말 좋았습니다. 배우들도 훌륭했습니다.")
    assert korean.stderr.count("rnncli: warning:") == 1 and "of a script the tokenizer" in korean.stderr
    assert korean.stdout.count("\n") == 1  # still one answer for the line
    assert sentiment("-I", "tokens", "이 영화는 정말 좋았습니다.").stderr == ""  # no tokenizer ran


def test_a_prompt_is_judged_by_its_share_of_unseen_characters_at_its_end():
    """A language model's prompt is short: two Chinese characters are enough to warn, a new
    character or two among English words are not, and of a long prompt its end counts."""
    lm = open_model("lstm", "lm").words
    assert prompt_message(lm, "lstm", "你好").startswith("2 of the last 2 characters of the text are of a script the "
                                                          "language model lstm never saw")
    assert prompt_message(lm, "lstm", "I study at night 😀") is None
    assert prompt_message(lm, "lstm", "a\x01b") is None and prompt_message(lm, "lstm", "😀😀") is None  # no script
    assert prompt_message(lm, "lstm", "你好" * SAMPLE + "I study at night " * SAMPLE) is None
    assert prompt_message(lm, "lstm", "I study at night " * SAMPLE + "你好" * SAMPLE).startswith(f"{SAMPLE} of the last")


def test_rare_characters_of_a_script_the_tokenizer_knows_are_no_other_script():
    """A Chinese tokenizer trained on 500 sentences keeps only the Han characters it saw 3 times:
    ordinary Chinese drew "7 of the first 12 characters were never seen ... (another script?)",
    advice to use the very tokenizer in use. A script is known from 10 letters of it on: a Korean
    tokenizer that kept three Han characters still warns of Chinese."""
    from rnncli.model.vocab import Vocab

    han = list("我们去学校他在家是的了不")
    chinese = Vocab(["<pad>", "<unk>", *han, "。", "<Lo>"], True)
    assert fits_message(chinese, "zh-tok", "熊猫吃竹子，喜鹊叫喳喳。鳄鱼、蟒蛇和蜥蜴都是爬行动物。") is None
    assert fits_message(chinese, "zh-tok", "이 영화는 정말 좋았습니다. 배우들도 훌륭했습니다.").startswith(
        "21 of the first 23 characters are of a script the tokenizer zh-tok never saw")
    korean = Vocab(["<pad>", "<unk>", *(chr(0xAC00 + i) for i in range(0, 11172, 50)), *han[:3]], True)  # 224 Hangul
    assert fits_message(korean, "ko-tok", "我每天晚上在大学学习。这部电影非常好看。").startswith(
        "17 of the first 20 characters are of a script the tokenizer ko-tok never saw")
    assert fits_message(VOCAB, "tokenizer-lstm", "Ça déçoit: naïveté, façade, œuvre, smörgåsbord, Ærø") is None
    assert fits_message(VOCAB, "tokenizer-lstm", "ＩＳＴＵＤＹＡＴＮＩＧＨＴ 𝐈 𝐬𝐭𝐮𝐝𝐲 𝐚𝐭 𝐧𝐢𝐠𝐡𝐭") is None  # Latin, in other forms
    assert fits_message(VOCAB, "tokenizer-lstm", "１２３４５ ６７８９０ ①②③④⑤⑥ people") is None  # digits, in other forms
    nine = Vocab(["<pad>", "<unk>", *han[:9], "。", "<Lo>"], True)  # a tiny treebank's tokenizer: all it kept is Han
    assert fits_message(nine, "zh-tok", "熊猫吃竹子，喜鹊叫喳喳。鳄鱼、蟒蛇和蜥蜴都是爬行动物。") is None
    for text in ("Я учусь ночью каждый день", "わたしはがくせいです", "Μελετώ τη νύχτα", "मैं रात को पढ़ता हूँ"):
        assert fits_message(VOCAB, "tokenizer-lstm", text) is not None, text
