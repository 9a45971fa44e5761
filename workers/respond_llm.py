"""The model call: the prompt (templates from ``prompts/``), the tools, and the LLM
seam's retry loop (app.ai.llm), which also retries what the SDK cannot see as a
failure — malformed tool arguments and empty answers — so every failure ends as one
:class:`GenerationFailed` with a reason."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import openai
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

import prompts
from app.ai.llm import LLMFailure, RetryPolicy, with_retries
from app.knowledge.search import Snippet

_ROLE = {"CUSTOMER": "user", "AI": "assistant"}
# What the model sees before messages that were not its own, so it can tell a human
# colleague's words and automatic notices from what it said itself.
_LABEL = {
    "AGENT": "[Atendente humano] ",
    "AGENT_PLATFORM": "[Atendente humano] ",
    "BUSINESS": "[Empresa] ",
    "SYSTEM": "[Aviso automático] ",
}


class GenerationFailed(Exception):
    def __init__(self, reason: str, detail: str, attempts: int) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.attempts = attempts


def _unusable(reason: str, detail: str) -> LLMFailure:
    """An answer the SDK took for a success but we cannot use: worth another try."""
    return LLMFailure(reason, detail, transient=True)


@dataclass
class Generation:
    text: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    attempts: int = 1


@dataclass(frozen=True)
class PromptInput:
    organization_name: str
    connection_prompt: str | None
    contact_name: str | None
    contact_tabulations: Sequence[str]
    departments: Sequence[str]
    tabulations: Sequence[str]
    now_text: str
    history: Sequence[tuple[str, str]]  # (author, text), oldest first
    merged_text: str
    snippets: Sequence[Snippet]


def build_messages(data: PromptInput) -> list[ChatCompletionMessageParam]:
    if data.snippets:
        blocks = [f"[{i}] ({s.title}) {s.content}" for i, s in enumerate(data.snippets, 1)]
        knowledge = prompts.render("knowledge", snippets="\n\n".join(blocks))
    else:
        knowledge = prompts.render("no_knowledge")
    system = prompts.render(
        "responder_system",
        organization_name=data.organization_name,
        connection_prompt=(data.connection_prompt or "").strip()
        or prompts.render("no_instructions"),
        contact_name=data.contact_name or "não informado",
        contact_tabulations=", ".join(data.contact_tabulations) or "nenhuma",
        departments=", ".join(data.departments) or "nenhum cadastrado",
        now=data.now_text,
        knowledge=knowledge,
    )
    messages: list[ChatCompletionMessageParam] = [{"role": "system", "content": system}]
    for author, text in data.history:
        if _ROLE.get(author) == "user":
            messages.append({"role": "user", "content": text})
        else:
            messages.append({"role": "assistant", "content": _LABEL.get(author, "") + text})
    messages.append({"role": "user", "content": data.merged_text})
    return messages


def build_tools(
    departments: Sequence[str], tabulations: Sequence[str]
) -> list[ChatCompletionToolParam]:
    department: dict[str, Any] = {
        "type": "string",
        "description": "Nome do departamento que deve assumir (vazio se não souber).",
    }
    if departments:
        department["enum"] = [*departments, ""]
    tools: list[ChatCompletionToolParam] = [
        _tool(
            "handoff_to_human",
            "Transfere a conversa para um atendente humano.",
            {
                "department": department,
                "reason": {"type": "string", "description": "Motivo da transferência."},
            },
            ["reason"],
        ),
        _tool(
            "close_session",
            "Encerra o atendimento quando o cliente se despediu e nada ficou pendente.",
            {"end_reason": {"type": "string", "description": "Por que o atendimento terminou."}},
            ["end_reason"],
        ),
    ]
    if tabulations:
        tools.append(
            _tool(
                "add_tabulation",
                "Classifica o atendimento com uma tabulação existente.",
                {"name": {"type": "string", "enum": list(tabulations)}},
                ["name"],
            )
        )
    return tools


def _tool(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> ChatCompletionToolParam:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


_REQUIRED = {"handoff_to_human": (), "close_session": (), "add_tabulation": ("name",)}


def parse_completion(completion: Any) -> Generation:
    if not completion.choices:
        raise _unusable("empty_answer", "the model answered no choices")
    message = completion.choices[0].message
    calls: list[tuple[str, dict[str, Any]]] = []
    for call in message.tool_calls or ():
        function: Any = getattr(call, "function", None)
        name = getattr(function, "name", None)
        if name not in _REQUIRED:
            raise _unusable("malformed_tool_call", f"unknown tool {name!r}")
        try:
            arguments = json.loads(function.arguments or "{}")
        except json.JSONDecodeError as exc:
            raise _unusable("malformed_tool_arguments", f"{name}: {exc}") from exc
        if not isinstance(arguments, dict) or any(
            not isinstance(arguments.get(key), str) or not arguments[key].strip()
            for key in _REQUIRED[name]
        ):
            raise _unusable("malformed_tool_arguments", f"{name}: {function.arguments!r}"[:300])
        calls.append((name, arguments))
    text = (message.content or "").strip()
    if not text and not calls:
        raise _unusable("empty_answer", "the model answered nothing")
    return Generation(text=text, calls=calls)


async def generate(
    client: openai.AsyncOpenAI,
    *,
    model: str,
    temperature: float,
    messages: list[ChatCompletionMessageParam],
    tools: list[ChatCompletionToolParam],
    policy: RetryPolicy,
) -> Generation:
    attempts = 0

    async def once() -> Generation:
        nonlocal attempts
        attempts += 1
        completion = await client.chat.completions.create(
            model=model,
            messages=messages,
            tools=tools,
            temperature=temperature,
            timeout=policy.timeout,
        )
        return parse_completion(completion)

    try:
        generation = await with_retries(policy, once)
    except LLMFailure as exc:
        raise GenerationFailed(exc.code, exc.detail, exc.attempts) from exc
    generation.attempts = attempts
    return generation
