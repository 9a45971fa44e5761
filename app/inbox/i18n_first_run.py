"""The words of the first-run page (/inbox/setup) and of the administrator's checklist
on the inbox; i18n.py spreads them at the end of its catalogs, so the same-keys rule
holds for them too. ``firstrun.js.*`` go to the page's script."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

PT_BR: Final[Mapping[str, str]] = {
    "firstrun.title": "Configurar o Balcão",
    "firstrun.welcome": "Bem-vindo ao Balcão",
    "firstrun.intro": (
        "Esta instalação ainda não tem nenhuma empresa. Crie a sua e a conta de "
        "administrador: isso é feito uma vez só."
    ),
    "firstrun.organization": "Sua empresa",
    "firstrun.organization_name": "Nome da empresa",
    "firstrun.organization_example": "Padaria Centro",
    "firstrun.admin": "Administrador",
    "firstrun.admin_name": "Seu nome",
    "firstrun.admin_example": "Maria Souza",
    "firstrun.admin_email": "E-mail",
    "firstrun.admin_password": "Senha",
    "firstrun.password_hint": "Pelo menos 8 caracteres.",
    "firstrun.submit": "Criar empresa e entrar",
    "firstrun.cli": "Para scripts, o comando balcao org create continua disponível.",
    "firstrun.js.generic": "Não foi possível concluir. Tente novamente.",
    "firstrun.js.network": "Sem conexão com o servidor. Tente novamente.",
    "firstrun.js.creating": "Criando…",
    "firstrun.js.already_set_up": "Esta instalação já foi configurada. Entre com a sua conta.",
    "firstrun.js.field.organizationName": "Informe o nome da empresa.",
    "firstrun.js.field.adminName": "Informe o seu nome.",
    "firstrun.js.field.adminEmail": "Informe um e-mail válido.",
    "firstrun.js.field.adminPassword": "A senha precisa ter pelo menos 8 caracteres.",
    "checklist.title": "Vamos colocar o seu WhatsApp para atender",
    "checklist.intro": (
        "Quatro passos e a sua empresa começa a atender. Esta lista some quando chegar a "
        "primeira conversa."
    ),
    "checklist.progress": "{done} de {total} concluídos",
    "checklist.step.connection": "Adicione um número",
    "checklist.blurb.connection": "Cadastre o número de WhatsApp da empresa e o provedor dele.",
    "checklist.step.scan": "Escaneie o QR code",
    "checklist.blurb.scan": (
        "No celular da empresa: WhatsApp → Aparelhos conectados → Conectar um aparelho."
    ),
    "checklist.step.ai": "Configure a IA",
    "checklist.blurb.ai": "Escolha a IA que responde aos clientes enquanto a equipe não assume.",
    "checklist.step.team": "Convide a equipe",
    "checklist.blurb.team": "Crie as contas dos atendentes e os departamentos.",
    "checklist.done": "Concluído",
    "checklist.todo": "A fazer",
    "checklist.go": "Fazer agora",
    "checklist.review": "Ver",
}

EN: Final[Mapping[str, str]] = {
    "firstrun.title": "Set up Balcão",
    "firstrun.welcome": "Welcome to Balcão",
    "firstrun.intro": (
        "This install has no organization yet. Create yours and its administrator's "
        "account: this is done only once."
    ),
    "firstrun.organization": "Your business",
    "firstrun.organization_name": "Business name",
    "firstrun.organization_example": "Downtown Bakery",
    "firstrun.admin": "Administrator",
    "firstrun.admin_name": "Your name",
    "firstrun.admin_example": "Mary Smith",
    "firstrun.admin_email": "Email",
    "firstrun.admin_password": "Password",
    "firstrun.password_hint": "At least 8 characters.",
    "firstrun.submit": "Create and sign in",
    "firstrun.cli": "For scripts, the balcao org create command is still there.",
    "firstrun.js.generic": "That did not work. Please try again.",
    "firstrun.js.network": "Cannot reach the server. Please try again.",
    "firstrun.js.creating": "Creating…",
    "firstrun.js.already_set_up": "This install is already set up. Sign in with your account.",
    "firstrun.js.field.organizationName": "Enter the business name.",
    "firstrun.js.field.adminName": "Enter your name.",
    "firstrun.js.field.adminEmail": "Enter a valid email address.",
    "firstrun.js.field.adminPassword": "The password needs at least 8 characters.",
    "checklist.title": "Let's get your WhatsApp answering",
    "checklist.intro": (
        "Four steps and your business is answering customers. This list goes away when "
        "the first conversation arrives."
    ),
    "checklist.progress": "{done} of {total} done",
    "checklist.step.connection": "Add a number",
    "checklist.blurb.connection": "Add the business's WhatsApp number and its provider.",
    "checklist.step.scan": "Scan the QR code",
    "checklist.blurb.scan": "On the business phone: WhatsApp → Linked devices → Link a device.",
    "checklist.step.ai": "Set up the AI",
    "checklist.blurb.ai": "Pick the AI that answers customers until your team takes over.",
    "checklist.step.team": "Invite the team",
    "checklist.blurb.team": "Create your agents' accounts and the departments.",
    "checklist.done": "Done",
    "checklist.todo": "To do",
    "checklist.go": "Do it now",
    "checklist.review": "View",
}
