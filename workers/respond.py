"""``respond_turn(ctx, turn_id)`` — the AI responder. The burst merge enqueues it (via
its ``TURN_READY_JOBS``) once a turn is READY.

It decides whether to answer (never on a CLOSED session, while the AI is blocked, for a
bypassBots contact, in a group the connection does not allow, with the connection's
AI off or no endpoint configured; outside business hours it sends the out-of-hours
notice once per session; a handoff keyword hands off without asking the model), builds
the prompt, calls the model, and commits the outcome in one transaction keyed by the
turn (workers/respond_store.py). Safe twice: a turn that already left READY only has
its undelivered reply messages enqueued again.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import prompts
from app.ai.llm import LlmEndpoint, endpoint_from_row
from app.knowledge.search import Snippet, search_chunks
from app.outbox import flush_outbox, outbox_row, write_outbox
from workers.bot import BotTurn, run_bot
from workers.context import WorkerContext, context, redis_of
from workers.deliver import DEFERRED, deliver_now
from workers.respond_llm import (
    GenerationFailed,
    PromptInput,
    build_messages,
    build_tools,
    generate,
)
from workers.respond_rules import (
    TurnHours,
    hours_of,
    is_opt_out,
    matched_keyword,
    split_answer,
    within_budget,
)
from workers.respond_store import (
    Outcome,
    TurnRow,
    load_history,
    load_turn,
    record_outcome,
    undelivered,
)

log = logging.getLogger("balcao.respond")


async def respond_turn(ctx: dict[str, Any], turn_id: str) -> str:
    deps = context(ctx)
    tid = uuid.UUID(turn_id)
    async with deps.autocommit.connect() as conn:
        turn = await load_turn(conn, tid)
    if turn is None:
        return "missing"
    if turn.status != "READY":
        if turn.status == "PENDING":
            return "not_ready"  # the merge enqueues us again once the turn is READY
        return await _redeliver(ctx, deps, tid, turn.status)
    outcome = await decide(deps, turn)
    inline = deps.config.deliver_inline
    recorded = await record_outcome(
        deps.engine, turn, outcome, deliver_defer=deps.config.redelivery_delay if inline else None
    )
    if recorded is None:
        return await _redeliver(ctx, deps, tid, "raced")
    jobs, message_ids = recorded
    await flush_outbox(deps.autocommit, redis_of(ctx), jobs)
    if inline:
        # No queue hop between the answer and its delivery; the jobs just enqueued are
        # the safety net and will find these messages SENT. A part left for later
        # stays PENDING, so every later part would only wait behind it (WAIT_IN_JOB)
        # to be left as well: the queued jobs send them all, in order.
        for message_id in message_ids:
            if await deliver_now(ctx, str(message_id)) == DEFERRED:
                break
    log.info(
        "turn done",
        extra={"turn_id": turn_id, "status": outcome.status, "reason": outcome.reason},
    )
    return f"{outcome.status}:{outcome.reason or ''}"


async def _redeliver(
    ctx: dict[str, Any], deps: WorkerContext, turn_id: uuid.UUID, status: str
) -> str:
    """A worker may have died after the reply was committed but before its delivery jobs
    reached Redis: enqueue whatever is still PENDING (delivery is idempotent)."""
    pending = await undelivered(deps.autocommit, turn_id)
    if pending:
        rows = [outbox_row("deliver_message", str(message_id)) for message_id in pending]
        async with deps.autocommit.begin() as conn:  # the INSERT alone, no BEGIN/COMMIT
            jobs = await write_outbox(conn, rows)
        await flush_outbox(deps.autocommit, redis_of(ctx), jobs)
    return f"{status}:redelivered={len(pending)}"


async def decide(deps: WorkerContext, turn: TurnRow) -> Outcome:
    endpoint = endpoint_from_row(turn if turn.ai_row is not None else None, deps.settings)
    if turn.session_status != "CLOSED" and is_opt_out(turn.merged_text):
        confirmation = (turn.opt_out_message or "").strip() or prompts.render(
            "opt_out_confirmation", organization_name=turn.organization_name
        )
        return Outcome(
            status="SKIPPED",
            reason="opted_out",
            notice=None if turn.contact_opted_out_at is not None else confirmation,
            notice_kind="opt_out",
            opt_out=True,
        )
    if turn.campaign_gate:
        # The answer to a campaign's question: the campaign message is the reply.
        return Outcome(status="SKIPPED", reason="campaign_gate")
    silent = _silence_reason(turn)
    blocked = turn.ai_blocked_until is not None and turn.ai_blocked_until > turn.now
    if silent is not None and (silent not in _BOT_MAY_ANSWER or blocked):
        # A human replied within the block TTL or took over: no rule, menu or notice.
        return Outcome(status="SKIPPED", reason=silent, for_humans=silent in _FOR_HUMANS)
    text = (turn.merged_text or "").strip()
    keyword = matched_keyword(text, turn.handoff_keywords or [])
    hours = _hours(deps, turn)
    # Rules run before the AI on the same turn; a rule's answer ends the turn.
    bot = BotTurn() if keyword is not None else await run_bot(deps, turn, hours)
    if bot.outcome is not None:
        return bot.outcome
    if silent is not None:
        return Outcome(status="SKIPPED", reason=silent, for_humans=silent in _FOR_HUMANS)
    if not endpoint.configured:
        return Outcome(status="SKIPPED", reason="ai_not_configured", for_humans=True)
    if bot.effects is None and not hours.status.open:
        if bot.agent_holds:  # never a notice inside a conversation an agent is in
            return Outcome(status="SKIPPED", reason="out_of_hours", for_humans=True)
        notice = hours.notice(turn.organization_name)
        return Outcome(
            status="SKIPPED",
            reason="out_of_hours",
            notice=notice,
            notice_kind="out_of_hours",
            for_humans=True,
        )
    if keyword is not None:
        outcome = Outcome(status="SKIPPED", reason="handoff_keyword", detail=keyword)
        _hand_off(outcome, deps, None, f"palavra-chave: {keyword}")
        return outcome
    if not text:
        return Outcome(status="SKIPPED", reason="empty_turn")
    outcome = await _answer(deps, turn, hours, endpoint)
    outcome.bot = bot.effects  # HAND_TO_AI: the rule's actions and state go with the answer
    return outcome


def _hours(deps: WorkerContext, turn: TurnRow) -> TurnHours:
    return hours_of(turn, deps.config.hours_at or turn.now)


# Silences that no later turn will lift by itself: the conversation waits for a human.
# (A block ends by time, and a closed session takes no more turns.)
_FOR_HUMANS = frozenset({"bypass_bots", "group", "ai_disabled"})
# The AI is off for the connection: the keyword bot still answers.
_BOT_MAY_ANSWER = frozenset({"ai_disabled"})


def _silence_reason(turn: TurnRow) -> str | None:
    if turn.session_status == "CLOSED":
        return "session_closed"
    if turn.bypass_bots:
        return "bypass_bots"
    if turn.is_group and not turn.allow_groups:
        return "group"
    if not turn.ai_enabled:
        return "ai_disabled"
    if turn.ai_blocked_until is not None and turn.ai_blocked_until > turn.now:
        return "ai_blocked"
    return None


def _hand_off(outcome: Outcome, deps: WorkerContext, department: str | None, reason: str) -> None:
    outcome.handoff = True
    outcome.handoff_department = department
    outcome.handoff_reason = reason
    outcome.block_minutes = deps.config.handoff_block_minutes
    team = f"do setor {department}" if department else "da nossa equipe"
    outcome.notice = prompts.render("handoff_notice", team=team)
    outcome.notice_kind = "handoff"


async def _answer(
    deps: WorkerContext, turn: TurnRow, hours: TurnHours, endpoint: LlmEndpoint
) -> Outcome:
    model, temperature = endpoint.chat_model or "", endpoint.temperature
    config = deps.config
    text = (turn.merged_text or "").strip()
    async with deps.autocommit.connect() as conn:
        history = await load_history(conn, turn)
        snippets = await search_chunks(conn, turn.organization_id, text, config.knowledge_snippets)
    data = PromptInput(
        organization_name=turn.organization_name,
        connection_prompt=turn.system_prompt,
        contact_name=turn.contact_name,
        contact_tabulations=turn.contact_tabulations,
        departments=turn.departments,
        tabulations=turn.tabulations,
        now_text=hours.now_text(),
        history=within_budget(((item, item[1]) for item in history), config.history_tokens),
        merged_text=text,
        snippets=snippets,
    )
    knowledge = _knowledge_record(snippets)
    try:
        generation = await generate(
            deps.llm.get(endpoint),
            model=model,
            temperature=temperature,
            messages=build_messages(data),
            tools=build_tools(turn.departments, turn.tabulations),
            policy=config.ai_retry,
        )
    except GenerationFailed as exc:
        log.warning("model failed", extra={"turn_id": str(turn.id), "reason": exc.reason})
        outcome = Outcome(
            status="FAILED",
            reason=exc.reason,
            detail=exc.detail,
            knowledge=knowledge,
            model=model,
            attempts=exc.attempts,
        )
        _hand_off(outcome, deps, None, f"falha da IA: {exc.reason}")
        outcome.notice = prompts.render("failure_notice")
        outcome.notice_kind = "failure"
        return outcome
    outcome = Outcome(
        status="ANSWERED",
        ai_texts=split_answer(generation.text, config.max_part_chars) if generation.text else [],
        knowledge=knowledge,
        model=model,
        attempts=generation.attempts,
        tool_calls=[name for name, _ in generation.calls],
        check_fresh=True,
    )
    for name, arguments in generation.calls:
        if name == "handoff_to_human":
            department = str(arguments.get("department") or "").strip() or None
            _hand_off(outcome, deps, department, str(arguments.get("reason") or "").strip())
        elif name == "add_tabulation":
            outcome.tabulations.append(str(arguments["name"]))
        elif name == "close_session" and not outcome.handoff:
            outcome.close_reason = str(arguments.get("end_reason") or "").strip() or "ai_closed"
    if outcome.handoff:
        outcome.close_reason = None  # a handoff keeps the session open for the human
    return outcome


def _knowledge_record(snippets: list[Snippet]) -> dict[str, Any]:
    return {
        "chunks": [
            {
                "chunkId": str(s.chunk_id),
                "documentId": str(s.document_id),
                "title": s.title,
                "score": s.score,
            }
            for s in snippets
        ]
    }
