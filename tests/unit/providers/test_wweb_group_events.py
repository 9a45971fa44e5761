"""What the WhatsApp-Web observer reports of a group row, as the provider contract's
InboundMessage: the group (known by name: the DOM has no JID) and the participant."""

from __future__ import annotations

from providers.whatsapp_web.events import (
    RowSeen,
    chat_key,
    group_id,
    group_name,
    to_inbound_message,
)


def test_a_participants_message_names_the_group_and_the_participant() -> None:
    row = RowSeen(
        id="3A1F2E3D4C5B6A798877",
        from_me=False,
        title="Ofertas Centro",
        subtitle="Ana, Bruno, Você",
        text="Bom dia!",
        timestamp=1764590400,
        group=True,
        author="+55 11 98765-4321",
        author_name="Ana",
    )
    message = to_inbound_message(row, "conn-1")
    assert message.is_group and message.chat_id == "group:Ofertas Centro"
    assert (message.contact.phone, message.contact.name) == ("5511987654321", "Ana")
    assert message.participant == "5511987654321@c.us"
    assert chat_key(row) == "group:Ofertas Centro"


def test_a_saved_participant_is_known_by_name_only() -> None:
    row = RowSeen(id="3A00", from_me=False, title="Família", text="oi", group=True, author="Tia Lu")
    message = to_inbound_message(row, None)
    assert message.contact.phone is None and message.contact.name == "Tia Lu"
    assert message.participant == "Tia Lu"


def test_our_own_post_in_a_group_has_no_participant() -> None:
    row = RowSeen(id="3EB0AA", from_me=True, title="VIP", text="Promo", group=True)
    message = to_inbound_message(row, None)
    assert message.from_me and message.is_group and message.participant is None


def test_a_person_is_not_a_group() -> None:
    row = RowSeen(id="3A01", from_me=False, title="+55 11 98765-4321", text="oi")
    message = to_inbound_message(row, None)
    assert not message.is_group and message.chat_id == "5511987654321@c.us"
    assert chat_key(row) == "5511987654321"


def test_group_ids_round_trip_and_others_are_not_groups() -> None:
    assert group_name(group_id(" Clientes VIP ")) == "Clientes VIP"
    assert group_name("120363025746281234@g.us") is None
    assert group_name("group:  ") is None
