"""What the AI settings' provider picker pre-fills: each vendor's documented
OpenAI-compatible base URL and model names, from the vendors' own public docs. The
first chat model is also the default when ``chatModel`` is left empty (app.ai.llm).

An empty list means the vendor has no such model behind its OpenAI-compatible API
(DeepSeek has no vision model; Gemini, Qwen and Ollama serve no
``/audio/transcriptions``), so the picker leaves that field empty and the live test
says "not configured" for it instead of failing.

Sources: platform.openai.com/docs/models; console.groq.com/docs (OpenAI compatibility,
speech-to-text); openrouter.ai/docs/quickstart; api-docs.deepseek.com ("base_url
https://api.deepseek.com/v1 for OpenAI compatibility"); docs.mistral.ai/getting-started/models;
alibabacloud.com/help/model-studio/compatibility-of-openai-with-dashscope (Singapore
endpoint); github.com/ollama/ollama/blob/main/docs/openai.md;
ai.google.dev/gemini-api/docs/openai."""

from __future__ import annotations

from typing import Final

import msgspec


class Preset(msgspec.Struct, frozen=True, kw_only=True):
    provider: str  # an AiProvider value
    name: str
    base_url: str | None  # None: the administrator types it (CUSTOM)
    chat_models: tuple[str, ...] = ()
    vision_models: tuple[str, ...] = ()
    transcription_models: tuple[str, ...] = ()
    key_required: bool = True
    docs_url: str | None = None


PRESETS: Final[tuple[Preset, ...]] = (
    Preset(
        provider="OPENAI",
        name="OpenAI",
        base_url="https://api.openai.com/v1",
        chat_models=("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o"),
        vision_models=("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o"),
        transcription_models=("whisper-1", "gpt-4o-mini-transcribe", "gpt-4o-transcribe"),
        docs_url="https://platform.openai.com/docs/models",
    ),
    Preset(
        provider="GROQ",
        name="Groq",
        base_url="https://api.groq.com/openai/v1",
        chat_models=("llama-3.3-70b-versatile", "llama-3.1-8b-instant", "openai/gpt-oss-120b"),
        vision_models=("meta-llama/llama-4-scout-17b-16e-instruct",),
        transcription_models=("whisper-large-v3-turbo", "whisper-large-v3"),
        docs_url="https://console.groq.com/docs/models",
    ),
    Preset(
        provider="OPENROUTER",
        name="OpenRouter",
        base_url="https://openrouter.ai/api/v1",
        chat_models=("openai/gpt-4o-mini", "google/gemini-2.0-flash-001", "deepseek/deepseek-chat"),
        vision_models=("openai/gpt-4o-mini", "google/gemini-2.0-flash-001"),
        docs_url="https://openrouter.ai/models",
    ),
    Preset(
        provider="DEEPSEEK",
        name="DeepSeek",
        base_url="https://api.deepseek.com/v1",
        chat_models=("deepseek-chat", "deepseek-reasoner"),
        docs_url="https://api-docs.deepseek.com/",
    ),
    Preset(
        provider="MISTRAL",
        name="Mistral",
        base_url="https://api.mistral.ai/v1",
        chat_models=("mistral-small-latest", "mistral-medium-latest", "mistral-large-latest"),
        vision_models=("mistral-small-latest", "pixtral-12b-latest"),
        transcription_models=("voxtral-mini-latest",),
        docs_url="https://docs.mistral.ai/getting-started/models/",
    ),
    Preset(
        provider="QWEN",
        name="Qwen (Alibaba Cloud)",
        base_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        chat_models=("qwen-plus", "qwen-turbo", "qwen-max"),
        vision_models=("qwen-vl-plus", "qwen-vl-max"),
        docs_url="https://www.alibabacloud.com/help/en/model-studio/models",
    ),
    Preset(
        provider="OLLAMA",
        name="Ollama",
        base_url="http://localhost:11434/v1",
        chat_models=("llama3.1", "llama3.2", "qwen2.5"),
        vision_models=("llama3.2-vision", "llava"),
        key_required=False,
        docs_url="https://github.com/ollama/ollama/blob/main/docs/openai.md",
    ),
    Preset(
        provider="GEMINI",
        name="Google Gemini",
        base_url="https://generativelanguage.googleapis.com/v1beta/openai",
        chat_models=("gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro"),
        vision_models=("gemini-2.0-flash", "gemini-2.5-flash"),
        docs_url="https://ai.google.dev/gemini-api/docs/openai",
    ),
    Preset(
        provider="CUSTOM",
        name="Custom (OpenAI-compatible)",
        base_url=None,
        key_required=False,
    ),
)

BY_PROVIDER: Final[dict[str, Preset]] = {p.provider: p for p in PRESETS}
