"""The OpenAI-compatible summarizer against a fake endpoint on 127.0.0.1: the real `openai`
client, real HTTP; each case is a server reply and the expected outcome."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from adapters.llm.openai_compat import OpenAICompatSummarizer, clean_answer
from bot.errors import PermanentError, TransientError
from tests.support.fake_openai import FakeOpenAI, FakeReply, fake_openai

KEY = "sk-test-0123456789abcdef-SECRET"
GERMAN = ("Der Softwarehersteller Snowflake $SNOW (-3,37 %) beschloss am Montag, die Modelle "
          "von DeepSeek in seinen Marktplatz für KI-Modelle aufzunehmen. Das sagte der Chef.")
ENGLISH = ("Snowflake will offer DeepSeek's models in its marketplace for AI models after "
           "customers asked for them. Staff had called the models astonishing.")


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    async with fake_openai() as fake:
        yield fake


def make(server: FakeOpenAI, **kwargs: object) -> OpenAICompatSummarizer:
    options: dict[str, object] = {"base_url": server.base_url, "api_key": KEY,
                                  "model": "fake-chat", "timeout_s": 5.0}
    options.update(kwargs)
    return OpenAICompatSummarizer(**options)  # type: ignore[arg-type]


async def summarize(summarizer: OpenAICompatSummarizer, *, text: str = GERMAN,
                    max_chars: int = 300) -> str:
    try:
        return await summarizer.summarize(
            title="Snowflake nimmt DeepSeek auf", text=text, source_lang="de", target_lang="en",
            focus=("SNOW", "DEEPSEEK"), max_chars=max_chars)
    finally:
        await summarizer.close()


LONG = ("Snowflake will offer the models of DeepSeek in its marketplace for AI models after a "
        "series of customer requests. Employees had called the models astonishing, and the "
        "company weighed the risks of hosting technology developed in China. It decided that "
        "it sees no problems as long as it is clear with its customers about it, the product "
        "chief said on Monday.")

OK_CASES = [
    ("plain", ENGLISH, ENGLISH),
    ("markdown", "**Summary:** Snowflake adds [DeepSeek](https://example.org/x) models to its "
                 "*marketplace* (https://example.org/y) after `customer` requests.",
     "Snowflake adds DeepSeek models to its marketplace after customer requests."),
    ("quoted-fenced",
     '```\n"Snowflake adds DeepSeek models to its marketplace for AI models."\n```',
     "Snowflake adds DeepSeek models to its marketplace for AI models."),
    ("think-block", "<think>The user wants English.</think>\nSnowflake adds DeepSeek models to "
                    "its marketplace.", "Snowflake adds DeepSeek models to its marketplace."),
    ("long-cut-at-sentence", LONG,
     "Snowflake will offer the models of DeepSeek in its marketplace for AI models after a "
     "series of customer requests. Employees had called the models astonishing, and the "
     "company weighed the risks of hosting technology developed in China."),
]


async def test_an_answer_cut_off_by_max_tokens_loses_its_last_fragment(
    server: FakeOpenAI,
) -> None:
    server.reply = FakeReply(content=ENGLISH + " Analysts expect the", finish_reason="length")
    assert await summarize(make(server)) == ENGLISH
    server.reply = FakeReply(content="Snowflake will offer the models of", finish_reason="length")
    with pytest.raises(TransientError, match="empty"):
        await summarize(make(server))


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in OK_CASES],
                         ids=[c[0] for c in OK_CASES])
async def test_answer_is_cleaned(server: FakeOpenAI, content: str, expected: str) -> None:
    server.reply = FakeReply(content=content)
    summary = await summarize(make(server))
    assert summary == expected
    assert len(summary) <= 300


ERROR_CASES = [
    ("401", FakeReply(status=401, error_message=f"Incorrect API key provided: {KEY}"),
     PermanentError, "credentials"),
    ("403", FakeReply(status=403), PermanentError, "HTTP 403"),
    ("404-model", FakeReply(status=404, error_message="model 'fake-chat' not found"),
     PermanentError, "model 'fake-chat' not found"),
    ("400", FakeReply(status=400, error_message=f"bad request for key {KEY}"),
     PermanentError, "HTTP 400"),
    ("429", FakeReply(status=429, headers={"Retry-After": "1"}), TransientError, "HTTP 429"),
    ("500", FakeReply(status=500, error_message=f"upstream failed, Bearer {KEY}"),
     TransientError, "HTTP 500"),
    ("503", FakeReply(status=503), TransientError, "HTTP 503"),
    ("timeout", FakeReply(delay_s=5), TransientError, "timed out after 0.3s"),
    ("empty", FakeReply(content=""), TransientError, "empty"),
    ("null", FakeReply(content=None), TransientError, "empty"),
    ("punctuation", FakeReply(content=" … ** -- "), TransientError, "empty"),
    ("refusal", FakeReply(content="I'm sorry, but I cannot help with that request."),
     TransientError, "empty"),
    ("german-answer", FakeReply(content=GERMAN), TransientError, "answered in de"),
    ("not-json", FakeReply(raw=b"<html>oops</html>"), TransientError, "unexpected answer"),
]


@pytest.mark.parametrize(("reply", "error", "message"), [c[1:] for c in ERROR_CASES],
                         ids=[c[0] for c in ERROR_CASES])
async def test_errors_are_ours_and_never_carry_the_key(
    server: FakeOpenAI, caplog: pytest.LogCaptureFixture, reply: FakeReply,
    error: type[Exception], message: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    server.reply = reply
    with pytest.raises(error) as info:
        await summarize(make(server, timeout_s=0.3))
    assert message in str(info.value)
    assert KEY not in str(info.value)
    # the client's exception (its text may quote the key) is not chained into ours
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__
    assert len(server.requests) == 1  # no retries inside the client
    assert all(KEY not in record.getMessage() for record in caplog.records)


async def test_connection_refused_is_transient() -> None:
    async with fake_openai() as gone:
        url = gone.base_url
    summarizer = OpenAICompatSummarizer(base_url=url, api_key=KEY, model="m", timeout_s=2)
    with pytest.raises(TransientError, match="cannot reach"):
        await summarize(summarizer)


async def test_request_asks_for_the_target_language_and_translation(server: FakeOpenAI) -> None:
    server.reply = FakeReply(content=ENGLISH)
    await summarize(make(server, max_input_chars=120))
    [request] = server.requests
    assert request.authorization == f"Bearer {KEY}"
    assert request.body["model"] == "fake-chat"
    assert "Write in English" in request.system and "German: translate" in request.system
    assert "300 characters" in request.system
    assert "Title: Snowflake nimmt DeepSeek auf" in request.user
    assert "SNOW, DEEPSEEK" in request.user
    article = request.user.split("<article>\n", 1)[1]
    assert len(article) < 140 and article.rstrip().endswith("…\n</article>".strip())


async def test_same_language_is_summarized_without_translating(server: FakeOpenAI) -> None:
    server.reply = FakeReply(content=ENGLISH)
    summarizer = make(server)
    try:
        await summarizer.summarize(title="t", text=ENGLISH, source_lang="en", target_lang="en",
                                   focus=(), max_chars=300)
    finally:
        await summarizer.close()
    assert "translate" not in server.requests[0].system
    assert "follows" not in server.requests[0].user


async def test_without_a_key_the_environment_key_is_not_sent(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    server.reply = FakeReply(content=ENGLISH)
    await summarize(make(server, api_key=None))
    assert server.requests[0].authorization == "Bearer not-needed"
    assert KEY not in repr(make(server))


CLEAN_CASES = [
    ("bullets", "- Snowflake adds DeepSeek.\n- Staff liked the models.",
     "Snowflake adds DeepSeek. Staff liked the models."),
    ("heading", "## Zusammenfassung\nSnowflake nimmt DeepSeek-Modelle auf.",
     "Zusammenfassung Snowflake nimmt DeepSeek-Modelle auf."),
    ("label-de", "Zusammenfassung: Snowflake nimmt DeepSeek-Modelle auf.",
     "Snowflake nimmt DeepSeek-Modelle auf."),
    ("german-quotes", "„Snowflake nimmt die Modelle von DeepSeek auf.“",
     "Snowflake nimmt die Modelle von DeepSeek auf."),
    ("inner-quotes-kept", '"Amazing", said staff about the models of DeepSeek, "truly".',
     '"Amazing", said staff about the models of DeepSeek, "truly".'),
    ("cashtag-kept", "Snowflake $SNOW fell 3.37% on the news.",
     "Snowflake $SNOW fell 3.37% on the news."),
    ("html", "<p>Snowflake <b>adds</b> DeepSeek models.</p>", "Snowflake adds DeepSeek models."),
    ("control-chars", "Snowflake\u202e adds\x00 DeepSeek models.",
     "Snowflake adds DeepSeek models."),
    ("unclosed-think", "<think>I should first consider the", ""),
    ("one-word", "OK.", ""),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CLEAN_CASES],
                         ids=[c[0] for c in CLEAN_CASES])
def test_clean_answer(text: str, expected: str) -> None:
    assert clean_answer(text, lang="de", max_chars=300) == expected


def test_clean_answer_cuts_a_single_long_sentence_at_a_word() -> None:
    text = "Snowflake " + "adds many DeepSeek models " * 20 + "today."
    cut = clean_answer(text, lang="en", max_chars=80)
    assert len(cut) <= 80 and cut.endswith("…") and not cut.endswith(" …")
    assert text.startswith(cut[:-1])
