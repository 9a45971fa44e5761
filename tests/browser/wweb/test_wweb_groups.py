"""Groups on WhatsApp Web, in real headless Chromium against the look-alike: several
participants writing in a group (reported with the group and the participant), posts
into the business's own groups by name (text, image + caption, a link with its preview),
and the page's list of groups."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from providers.base import MediaRef, OutboundMessage, SendError
from providers.whatsapp_web.driver import WhatsAppWebSession
from providers.whatsapp_web.lookalike.testing import Recorder, customer_says

ANA = "5511987654321"
BRUNO = "5521999998888"
OFFERS = "Ofertas Centro"
VIP = "Clientes VIP"
PNG_1PX = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
ARTIFACTS = Path(__file__).parents[3] / "test-artifacts" / "wweb-groups"


async def _groups(control: httpx.AsyncClient) -> None:
    members = [{"phone": ANA, "name": "Ana"}, {"phone": BRUNO, "name": "Bruno"}]
    for key, subject, people in (
        ("120363025746281234", OFFERS, members),
        ("120363041122334455", VIP, members[:1]),
    ):
        body = {"key": key, "subject": subject, "participants": people}
        (await control.post("/_control/group", json=body)).raise_for_status()


async def _writes(
    control: httpx.AsyncClient, group: str, phone: str, name: str, **extra: object
) -> str:
    body = {"group": group, "from": phone, "name": name, **extra}
    response = await control.post("/_control/group-message", json=body)
    response.raise_for_status()
    return str(response.json()["id"])


async def test_participants_writing_in_a_group_arrive_as_group_messages(
    connected: tuple[WhatsAppWebSession, Recorder], control: httpx.AsyncClient
) -> None:
    session, recorder = connected
    await _groups(control)
    ids = [
        await _writes(control, OFFERS, ANA, "Ana", text="Bom dia, grupo!"),
        await _writes(control, OFFERS, BRUNO, "Bruno", text="Tem promoção hoje?"),
        await _writes(control, OFFERS, ANA, "Ana", text="Eu também quero saber"),
    ]
    await customer_says(control, **{"from": "5531988887777", "name": "Carla", "text": "oi"})
    await recorder.wait_until(lambda: len(recorder.messages) >= 4)
    in_group = [m for m in recorder.messages if m.is_group]
    assert [m.message_id for m in in_group] == ids
    for message, (phone, name) in zip(
        in_group, [(ANA, "Ana"), (BRUNO, "Bruno"), (ANA, "Ana")], strict=True
    ):
        assert message.chat_id == f"group:{OFFERS}"
        assert (message.contact.phone, message.contact.name) == (phone, name)
        assert message.participant == f"{phone}@c.us"
        assert not message.from_me
    person = next(m for m in recorder.messages if not m.is_group)
    assert person.chat_id == "5531988887777@c.us" and person.participant is None

    # The page shows each author as WhatsApp does: the number and the "~name".
    page = await session.require_page()
    await page.locator("#pane-side [role=row]", has=page.locator(f'[title="{OFFERS}"]')).click()
    authors = page.locator('#main [data-testid="msg-author"]')
    await authors.first.wait_for()
    assert (await authors.all_inner_texts())[:2] == [
        "+55 11 98765-4321~Ana",
        "+55 21 99999-8888~Bruno",
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "group-chat.png"))


async def test_posts_go_into_the_businesss_own_groups_by_name(
    connected: tuple[WhatsAppWebSession, Recorder], control: httpx.AsyncClient
) -> None:
    session, recorder = connected
    await _groups(control)
    image = MediaRef(kind="image", mimetype="image/png", filename="oferta.png", base64=PNG_1PX)
    text_id = await session.send(
        OutboundMessage(message_id="g1", to=f"group:{VIP}", text="Promoção só hoje")
    )
    image_id = await session.send(
        OutboundMessage(
            message_id="g2", to=f"group:{OFFERS}", text="Fone por R$ 99 🔥", media=image
        )
    )
    link = "Confira: https://www.amazon.com.br/dp/B0CHX1W1XY?tag=loja-20"
    link_id = await session.send(OutboundMessage(message_id="g3", to=f"group:{OFFERS}", text=link))

    sent = {s["id"]: s for s in (await control.get("/_control/sent")).json()}
    assert sent[text_id]["to"] == "120363041122334455"
    assert sent[text_id]["text"] == "Promoção só hoje"
    assert sent[text_id]["keydowns"] >= 10 and not sent[text_id]["pasted"]  # typed, not pasted
    assert sent[image_id]["to"] == "120363025746281234"
    assert sent[image_id]["text"] == "Fone por R$ 99 🔥"
    assert [a["mimetype"] for a in sent[image_id]["attachments"]] == ["image/png"]
    assert sent[link_id]["text"] == link and sent[link_id]["link_preview"] is True
    assert not sent[text_id]["link_preview"]
    # Our own bubbles resolved the sends: none came back as a message typed on the phone.
    assert not [m for m in recorder.messages if m.from_me]
    # Nothing is left typed in the search box: the whole list shows again.
    page = await session.require_page()
    assert await page.locator('#side input[data-tab="3"]').input_value() == ""


async def test_an_unknown_group_is_a_permanent_failure(
    connected: tuple[WhatsAppWebSession, Recorder], control: httpx.AsyncClient
) -> None:
    session, _ = connected
    await _groups(control)
    with pytest.raises(SendError) as caught:
        await session.send(
            OutboundMessage(message_id="x", to="group:Grupo que não existe", text="oi")
        )
    assert not caught.value.transient
    assert (await control.get("/_control/sent")).json() == []
    page = await session.require_page()
    assert await page.locator('#side input[data-tab="3"]').input_value() == ""


async def test_the_page_lists_its_groups(
    connected: tuple[WhatsAppWebSession, Recorder], control: httpx.AsyncClient
) -> None:
    session, recorder = connected
    await customer_says(control, **{"from": ANA, "name": "Ana", "text": "oi"})
    await recorder.wait_until(lambda: len(recorder.messages) == 1)
    assert await session.list_groups() == []
    await _groups(control)
    page = await session.require_page()
    await page.locator('#pane-side [title="Clientes VIP"]').wait_for()
    assert sorted(await session.list_groups()) == [VIP, OFFERS]
