"""The standin other suites reuse: its wire format must satisfy the real SDK."""

from __future__ import annotations

import json

import openai
import pytest
from openai_server import OpenAIStandin, Reply, ToolCall

MESSAGES: list[openai.types.chat.ChatCompletionMessageParam] = [{"role": "user", "content": "oi"}]


async def test_default_answers_and_recorded_requests(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI
) -> None:
    completion = await llm.chat.completions.create(
        model="gpt-test", messages=MESSAGES, temperature=0
    )
    assert completion.choices[0].message.content == standin.chat_text
    request = standin.last("chat")
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.json["temperature"] == 0
    assert request.headers["authorization"] == "Bearer sk-standin"
    assert [model.id async for model in llm.models.list()] == list(standin.models)


async def test_scripted_tool_calls(standin: OpenAIStandin, llm: openai.AsyncOpenAI) -> None:
    call = ToolCall("transfer_to_department", {"department": "Financeiro"})
    standin.queue("chat", Reply(tool_calls=(call,)))
    completion = await llm.chat.completions.create(model="m", messages=MESSAGES)
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None
    function = choice.message.tool_calls[0].function  # type: ignore[union-attr]
    assert function.name == "transfer_to_department"
    assert json.loads(function.arguments) == {"department": "Financeiro"}


async def test_streaming_text_and_tool_calls(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI
) -> None:
    call = ToolCall("close_session", {"reason": "resolvido"})
    standin.queue("chat", Reply(text="Um momento, por favor.", tool_calls=(call,)))
    stream = await llm.chat.completions.create(
        model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    text, arguments, finish, usage = "", "", None, None
    async for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
            for delta in choice.delta.tool_calls or []:
                arguments += (delta.function and delta.function.arguments) or ""
            finish = choice.finish_reason or finish
    assert text == "Um momento, por favor."
    assert json.loads(arguments) == {"reason": "resolvido"}
    assert finish == "tool_calls"
    assert usage is not None and usage.total_tokens == 15


async def test_scripted_failures_surface_as_sdk_errors(
    standin: OpenAIStandin, llm: openai.AsyncOpenAI
) -> None:
    standin.queue("chat", Reply.failure(429, "slow down"))
    with pytest.raises(openai.RateLimitError):
        await llm.chat.completions.create(model="m", messages=MESSAGES)
    standin.queue("transcription", Reply.stall(30))
    with pytest.raises(openai.APITimeoutError):
        await llm.with_options(timeout=0.2).audio.transcriptions.create(
            model="w", file=("a.wav", b"RIFF", "audio/wav")
        )


async def test_transcription_as_plain_text(standin: OpenAIStandin, llm: openai.AsyncOpenAI) -> None:
    text = await llm.audio.transcriptions.create(
        model="w", file=("a.wav", b"RIFF", "audio/wav"), response_format="text"
    )
    assert text.strip() == standin.transcription_text
