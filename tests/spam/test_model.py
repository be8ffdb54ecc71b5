"""The spam model at run time: verdicts, reasons, persistence, the shipped model."""

import json
import subprocess
import sys

import numpy as np
import pytest

from moderator.core.comment import Comment
from moderator.ml.modelfile import ModelError, sha256_of
from moderator.spam import model as spam_model
from moderator.spam.model import load_spam_model
from moderator.spam.reasons import MAX_PHRASE, MIN_WEIGHT, metadata_reason, phrase_reasons
from moderator.text.tokens import MODEL_TEXT_LIMIT
from moderator.training import spam as training
from tests.paths import FIXTURES, MODELS, ROOT

COMMENTS = [
    Comment(content="Thanks, the second example fixed my build."),
    Comment(
        content="Cheap pills at www.cheap-meds.xyz, WhatsApp +1 (555) 201-4477",
        author="Best Back Brace 2024",
        author_url="https://cheap-meds.xyz",
    ),
    Comment(content="Check out my channel!!! http://youtube.com/abc"),
    Comment(content=""),
    Comment(content="Привет, отличная статья"),
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A model trained on the tiny fixture corpus, saved like the shipped one.

    Small hash spaces keep the file and the test fast; the code path is the shipped one.
    """
    directory = tmp_path_factory.mktemp("model")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(training.FEATURE_PARAMS, "word_bits", 14)
        patch.setitem(training.FEATURE_PARAMS, "char_bits", 14)
        training.train([FIXTURES / "tiny_spam.jsonl"], directory, progress=False)
    return directory


@pytest.fixture(scope="module")
def model(model_dir):
    """The tiny model, loaded."""
    return load_spam_model(model_dir)


def test_spam_scores_above_genuine(model):
    genuine, spam = model.score(COMMENTS[0]), model.score(COMMENTS[1])
    assert 0.0 <= genuine.probability < spam.probability <= 1.0


@pytest.mark.parametrize("comment", COMMENTS)
def test_every_verdict_has_reasons(model, comment):
    score = model.score(comment)
    assert score.reasons
    for reason in score.reasons:
        assert reason.source == "spam_model"
        assert reason.code and reason.message


def test_reasons_speak_the_moderators_language(model):
    messages = [r.message for r in model.score(COMMENTS[1]).reasons]
    text = " ".join(messages)
    assert any(
        signal in text
        for signal in ("link", "phone number", "product keyword", "WhatsApp", "website")
    ), messages
    positive = [r for r in model.score(COMMENTS[1]).reasons if r.weight > 0]
    assert positive == sorted(positive, key=lambda r: -abs(r.weight))


def test_score_many_equals_score_and_the_pipeline(model):
    one_by_one = [model.score(c) for c in COMMENTS]
    assert model.score_many(COMMENTS) == one_by_one
    batch = model.pipeline.predict_proba(COMMENTS)[:, 1]
    assert np.allclose(batch, [s.probability for s in one_by_one], atol=1e-12)


def test_a_request_is_scored_in_batches_of_bounded_text(model, monkeypatch):
    """Long comments split a request into batches (their arrays stay small); every
    comment is scored once, in order, as it is in one batch."""
    comments = [*COMMENTS, Comment(content="sourdough starter " * 400), *COMMENTS]
    whole = model.score_many(comments)
    monkeypatch.setattr(spam_model, "BATCH_TEXT", 60)
    batches = list(spam_model._batches(comments))
    assert [c for batch in batches for c in batch] == comments
    for batch in batches:
        read = sum(min(len(c.content), MODEL_TEXT_LIMIT) + 1 for c in batch)
        assert read <= 60 or len(batch) == 1
    assert 2 < len(batches) < len(comments)
    assert model.score_many(comments) == whole


@pytest.mark.slow
def test_fresh_process_gives_identical_probabilities(model, model_dir):
    script = (
        "import json, sys\n"
        "from moderator.core.comment import Comment\n"
        "from moderator.spam.model import load_spam_model\n"
        "model = load_spam_model(sys.argv[1])\n"
        "comments = [Comment(**c) for c in json.loads(sys.stdin.read())]\n"
        "print(json.dumps([s.probability for s in model.score_many(comments)]))\n"
    )
    payload = json.dumps(
        [{"content": c.content, "author": c.author, "author_url": c.author_url} for c in COMMENTS]
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(model_dir)],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert json.loads(done.stdout) == [model.score(c).probability for c in COMMENTS]


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="missing"):
        load_spam_model(tmp_path)


def test_model_from_another_sklearn_is_refused(model_dir, tmp_path):
    for name in ("spam.joblib", "spam.json"):
        (tmp_path / name).write_bytes((model_dir / name).read_bytes())
    card = json.loads((tmp_path / "spam.json").read_text())
    card["versions"]["scikit-learn"] = "0.0.1"
    (tmp_path / "spam.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="retrain"):
        load_spam_model(tmp_path)


def test_version_names_the_date_and_artifact(model, model_dir):
    sha = sha256_of(model_dir / "spam.joblib")
    assert model.version.startswith("spam-") and model.version.endswith(sha[:8])


@pytest.mark.skipif(not (MODELS / "spam.joblib").is_file(), reason="no shipped spam model")
def test_shipped_model_and_card_are_consistent():
    model = load_spam_model(MODELS)
    card = model.card
    assert card["artifact"]["sha256"] == sha256_of(MODELS / "spam.joblib")
    assert card["versions"]["scikit-learn"] == __import__("sklearn").__version__
    assert model.version.endswith(card["artifact"]["sha256"][:8])
    assert card["sources"] and all(f["sha256"] for s in card["sources"] for f in s["files"])
    thresholds = card["thresholds"]
    assert thresholds["unsure"] <= thresholds["spam"] <= thresholds["discard"]
    assert (MODELS / "spam.joblib").stat().st_size < 8_000_000
    assert model.score(COMMENTS[1]).probability > model.score(COMMENTS[0]).probability


@pytest.mark.parametrize(
    "text",
    [
        "How do I enable sessions in asp.net core 6? please help",
        "same problem with socket.io rooms and a vb.net client",
    ],
)
def test_a_reader_naming_a_product_in_lower_case_is_published_with_no_link_reason(text):
    """Readers of technical blogs write "asp.net" in lower case; the shipped model scored
    such Stack Exchange titles 0.98 when they read as links."""
    model = load_spam_model(MODELS)
    score = model.score(Comment(content=text))
    assert score.probability < model.thresholds.unsure
    assert "links" not in {reason.code for reason in score.reasons}


def test_a_link_to_the_blog_itself_weighs_less_than_a_link_out():
    """The same comment linking an earlier post of the blog it sits on scores lower than
    when that site is somewhere else."""
    model = load_spam_model(MODELS)
    text = "Great post! I wrote about this too: https://myblog.example/2019/knee-pain"
    inside = model.score(Comment(content=text, permalink="https://myblog.example/2024/hips"))
    outside = model.score(Comment(content=text, permalink="https://other.example/post"))
    assert inside.probability < outside.probability
    assert all("myblog.example" not in " ".join(r.evidence) for r in inside.reasons)


def test_every_metadata_signal_has_words_of_its_own():
    """No metadata reason falls back to its bare code; the shop-named website names itself."""
    from moderator.spam.features import CommentFeatures
    from moderator.spam.signals import METADATA

    encoded = CommentFeatures().encode(COMMENTS[1])
    for name, code in METADATA:
        if encoded.facts.features[name]:
            reason = metadata_reason(code, 1.0, encoded)
            assert reason.message != code.replace("_", " "), code
    reason = metadata_reason("author_url_keyword", 1.0, encoded)
    assert reason.message == "author's website is named like a shop or keyword (cheap-meds)"
    assert reason.evidence == ("cheap-meds.xyz",)
    handle = CommentFeatures().encode(
        Comment(content="hi", author_url="https://m.youtube.com/@cheapmedsstore")
    )
    reason = metadata_reason("author_url_keyword", 1.0, handle)
    assert "(cheapmedsstore)" in reason.message


def test_a_cited_source_is_named_in_its_reason():
    from moderator.spam.features import CommentFeatures

    encoded = CommentFeatures().encode(
        Comment(content="Overview: https://en.wikipedia.org/wiki/Sourdough")
    )
    reason = metadata_reason("reference_link", -1.0, encoded)
    assert reason.message == "links only to a reference site (en.wikipedia.org)"
    assert reason.evidence == ("en.wikipedia.org",)


def test_phrase_reasons_group_neighbouring_words_that_push_the_same_way():
    def phrases(tokens, weights, words=None):
        words = [True] * len(tokens) if words is None else words
        return [
            (r.code, r.evidence[0], round(r.weight, 6))
            for r in phrase_reasons(tokens, weights, words)
        ]

    assert phrases([], []) == []
    # one run, then a sign change starts the next
    assert phrases(["check", "my", "page", "thanks"], [0.3, 0.2, 0.1, -0.4]) == [
        ("phrase", "check my page", 0.6),
        ("word", "thanks", -0.4),
    ]
    # a non-word token or a word too light to count ends a run
    floor = MIN_WEIGHT / 4
    assert phrases(["buy", "!", "now"], [0.3, 0.3, 0.3], [True, False, True]) == [
        ("word", "buy", 0.3),
        ("word", "now", 0.3),
    ]
    assert phrases(["buy", "the", "pills"], [0.3, floor / 2, 0.3]) == [
        ("word", "buy", 0.3),
        ("word", "pills", 0.3),
    ]
    # a run is at most MAX_PHRASE words
    long = [f"w{i}" for i in range(MAX_PHRASE + 2)]
    grouped = phrases(long, [0.1] * len(long))
    assert [len(evidence.split()) for _, evidence, _ in grouped] == [MAX_PHRASE, 2]
    # a run that weighs too little in all is left out
    assert phrases(["a", "b"], [floor, floor]) == []


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("@sam 🔥", "reply", "replies to someone"),
        ("i got $9,500 back, all thanks to @anna_fx", "referral", "(@anna_fx)"),
        ("i got $9,500 back, all thanks to @anna_fx", "money_testimonial", "money made"),
        ("𝐘𝐨𝐮 𝐜𝐚𝐧 𝐢𝐧𝐯𝐞𝐬𝐭", "styled_letters", "decorative Unicode font"),
        ("Please help, my knee is swollen", "help_request", "'Please help'"),
    ],
)
def test_whom_a_comment_addresses_is_told_in_words(text, code, words):
    """A reply, a referral, a money testimonial, a styled font and a plea for help each
    have a message of their own, naming what was found."""
    from moderator.spam.features import CommentFeatures

    reason = metadata_reason(code, 1.0, CommentFeatures().encode(Comment(content=text)))
    assert words in reason.message
