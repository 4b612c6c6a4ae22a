"""Optional LLM summarizer/translator (`pip install 'newsbot[llm]'`).

`adapters.llm.openai_compat.OpenAICompatSummarizer` implements `bot.ports.Summarizer` for any
OpenAI-compatible chat-completions endpoint (DeepSeek, OpenAI, a local Ollama or vLLM). The
composition root imports it only when `NEWSBOT_LLM_BASE_URL` and `NEWSBOT_LLM_MODEL` are set,
so the `openai` package is never imported otherwise.
"""
