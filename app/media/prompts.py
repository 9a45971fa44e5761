"""What we ask the vision model. WhatsApp images are mostly receipts, screenshots and
photos of documents, and what the agent needs from them is the text (a Pix receipt's value
and payee), so the instructions insist on verbatim transcription over description."""

from __future__ import annotations

_IMAGE_PT = (
    "Você recebe uma imagem que um cliente enviou pelo WhatsApp a um atendimento. "
    "Descreva-a para um atendente que não pode vê-la. Transcreva literalmente TODO o "
    "texto visível, exatamente como aparece: valores em reais, nomes de pessoas e "
    "empresas, datas, horários, códigos, números de pedido, CPF/CNPJ e chaves Pix. "
    "Se for um comprovante (Pix, boleto, transferência), diga o valor, quem pagou, quem "
    "recebeu, a data e a hora. Não invente o que não estiver legível. Responda em português."
)
_VIDEO_PT = (
    "Estas são {n} imagens tiradas, em ordem, de um vídeo que um cliente enviou pelo "
    "WhatsApp a um atendimento. Descreva o que o vídeo mostra para um atendente que não "
    "pode vê-lo e transcreva literalmente todo o texto visível (valores, nomes, datas, "
    "códigos). Não invente o que não estiver legível. Responda em português."
)
_IMAGE_EN = (
    "A customer sent this image to a customer-service chat on WhatsApp. Describe it for an "
    "agent who cannot see it. Transcribe ALL visible text verbatim: amounts, names of "
    "people and companies, dates, times, codes, order and document numbers. For a payment "
    "receipt give the amount, payer, payee, date and time. Do not guess what is not "
    "legible. Answer in the language whose ISO code is {language}."
)
_VIDEO_EN = (
    "These are {n} stills, in order, from a video a customer sent to a customer-service "
    "chat on WhatsApp. Describe what the video shows for an agent who cannot see it and "
    "transcribe all visible text verbatim (amounts, names, dates, codes). Do not guess what "
    "is not legible. Answer in the language whose ISO code is {language}."
)
_LABELS = {
    "pt": {"speech": "Áudio do vídeo", "images": "Imagens do vídeo"},
    "en": {"speech": "Video audio", "images": "Video images"},
}


def _is_pt(language: str) -> bool:
    return language.lower().startswith("pt")


def image_prompt(language: str) -> str:
    return _IMAGE_PT if _is_pt(language) else _IMAGE_EN.format(language=language)


def video_prompt(language: str, n_frames: int) -> str:
    template = _VIDEO_PT if _is_pt(language) else _VIDEO_EN
    return template.format(n=n_frames, language=language)


def labels(language: str) -> dict[str, str]:
    return _LABELS["pt"] if _is_pt(language) else _LABELS["en"]
