"""The words of the settings shell (index, 403 page) and of the team, tabulation and
quick-reply settings pages; i18n.py spreads them at the end of its catalogs, so the
same-keys rule holds for them too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

PT_BR: Final[Mapping[str, str]] = {
    "setup.title": "Configurações",
    "setup.intro": "Tudo o que a sua empresa precisa para atender pelo WhatsApp.",
    "setup.nav": "Páginas de configuração",
    "setup.open": "Abrir",
    "setup.page.connections": "Números de WhatsApp",
    "setup.blurb.connections": "Conecte números, leia o QR code e acompanhe o status de cada um.",
    "setup.page.team": "Equipe",
    "setup.blurb.team": "Usuários, papéis e departamentos de atendimento.",
    "setup.page.tabulations": "Tabulações",
    "setup.blurb.tabulations": "Etiquetas coloridas para classificar conversas e contatos.",
    "setup.page.quick-replies": "Respostas rápidas",
    "setup.blurb.quick-replies": "Textos prontos que os atendentes usam digitando /atalho.",
    "setup.forbidden_title": "Acesso negado",
    "setup.forbidden_text": (
        "O seu perfil não permite abrir esta página de configurações. "
        "Peça acesso a um administrador."
    ),
    "setup.back": "Voltar aos atendimentos",
    "setup.save": "Salvar",
    "setup.create": "Criar",
    "setup.cancel": "Cancelar",
    "setup.edit": "Editar",
    "setup.delete": "Excluir",
    "setup.confirm": "Confirmar",
    "setup.actions": "Ações",
    "setup.yes": "Sim",
    "setup.no": "Não",
    "setup.refused": "A API recusou",
    "setup.search": "Buscar",
    "setup.clear": "Limpar",
    "setup.pages": "Páginas da lista",
    "setup.page_of": "Página {page} de {pages}",
    "setup.prev": "← Anterior",
    "setup.next": "Próxima →",
    "setup.no_match": "Nada encontrado para “{q}”.",
    "team.search": "Nome ou e-mail",
    "tabs.search": "Nome ou descrição",
    "team.users": "Usuários",
    "team.new_user": "Novo usuário",
    "team.edit_user": "Editar usuário",
    "team.name": "Nome",
    "team.email": "E-mail",
    "team.role": "Papel",
    "team.departments": "Departamentos",
    "team.status": "Situação",
    "team.active": "Ativo",
    "team.inactive": "Inativo",
    "team.available": "Disponível",
    "team.away": "Ausente",
    "team.none": "Nenhum",
    "team.you": "você",
    "team.deactivate": "Desativar",
    "team.reactivate": "Reativar",
    "team.password_note": "Uma senha de primeiro acesso é gerada agora e mostrada uma única vez.",
    "team.password_title": "Senha de primeiro acesso",
    "team.password_text": (
        "Copie agora: esta senha não será mostrada de novo. Entregue-a à pessoa, "
        "que entra com o e-mail e esta senha."
    ),
    "team.copy": "Copiar",
    "team.copied": "Copiado",
    "team.done": "Pronto",
    "team.access": "Como a pessoa entra",
    "team.access_password": "Senha de primeiro acesso",
    "team.access_invite": "Link de convite",
    "team.invite_note": (
        "Ou um link de convite: a própria pessoa escolhe a senha (vale 7 dias, uma vez)."
    ),
    "team.invite_link": "Link de convite",
    "team.invite_title": "Link de convite",
    "team.invite_text": (
        "Copie agora e envie à pessoa: o link é mostrado uma única vez, vale uma vez e "
        "um novo link cancela este."
    ),
    "team.invite_expires": "Expira em {when}.",
    "team.supervisor_note": (
        "Como supervisor, você vê a equipe; mudanças que só um administrador pode fazer "
        "serão recusadas com o motivo."
    ),
    "team.no_users": "Nenhum usuário.",
    "team.new_department": "Novo departamento",
    "team.edit_department": "Editar departamento",
    "team.description": "Descrição",
    "team.round_robin": "Rodízio automático",
    "team.round_robin_hint": (
        "Novas conversas vão direto para o atendente disponível há mais tempo sem receber uma."
    ),
    "team.requires_tabulation": "Exige tabulação ao encerrar",
    "team.members": "Membros",
    "team.no_departments": "Nenhum departamento ainda.",
    "team.delete_department": "Excluir o departamento",
    "team.delete_department_text": (
        "As conversas dele ficam sem departamento, as respostas rápidas dele são "
        "excluídas e os membros continuam na equipe."
    ),
    "tabs.new": "Nova tabulação",
    "tabs.edit": "Editar tabulação",
    "tabs.name": "Nome",
    "tabs.color": "Cor",
    "tabs.description": "Descrição",
    "tabs.scope": "Departamento",
    "tabs.everyone": "Todos os departamentos",
    "tabs.auto": "Automática",
    "tabs.auto_hint": "Aplicada pelo sistema (integrações ou IA), não escolhida pelo atendente.",
    "tabs.empty": "Nenhuma tabulação ainda.",
    "tabs.delete": "Excluir a tabulação",
    "tabs.delete_text": "Ela sai das conversas e dos contatos que a usam; eles continuam.",
}

EN: Final[Mapping[str, str]] = {
    "setup.title": "Settings",
    "setup.intro": "Everything your business needs to serve customers on WhatsApp.",
    "setup.nav": "Settings pages",
    "setup.open": "Open",
    "setup.page.connections": "WhatsApp numbers",
    "setup.blurb.connections": "Connect numbers, scan their QR code and follow each one's status.",
    "setup.page.team": "Team",
    "setup.blurb.team": "Users, roles and service departments.",
    "setup.page.tabulations": "Tabulations",
    "setup.blurb.tabulations": "Colored labels to classify conversations and contacts.",
    "setup.page.quick-replies": "Quick replies",
    "setup.blurb.quick-replies": "Ready-made texts agents insert by typing /shortcut.",
    "setup.forbidden_title": "Access denied",
    "setup.forbidden_text": (
        "Your role does not allow opening this settings page. Ask an administrator for access."
    ),
    "setup.back": "Back to the inbox",
    "setup.save": "Save",
    "setup.create": "Create",
    "setup.cancel": "Cancel",
    "setup.edit": "Edit",
    "setup.delete": "Delete",
    "setup.confirm": "Confirm",
    "setup.actions": "Actions",
    "setup.yes": "Yes",
    "setup.no": "No",
    "setup.refused": "The API refused",
    "setup.search": "Search",
    "setup.clear": "Clear",
    "setup.pages": "List pages",
    "setup.page_of": "Page {page} of {pages}",
    "setup.prev": "← Previous",
    "setup.next": "Next →",
    "setup.no_match": "Nothing found for “{q}”.",
    "team.search": "Name or e-mail",
    "tabs.search": "Name or description",
    "team.users": "Users",
    "team.new_user": "New user",
    "team.edit_user": "Edit user",
    "team.name": "Name",
    "team.email": "Email",
    "team.role": "Role",
    "team.departments": "Departments",
    "team.status": "Status",
    "team.active": "Active",
    "team.inactive": "Inactive",
    "team.available": "Available",
    "team.away": "Away",
    "team.none": "None",
    "team.you": "you",
    "team.deactivate": "Deactivate",
    "team.reactivate": "Reactivate",
    "team.password_note": "A first sign-in password is generated now and shown only once.",
    "team.password_title": "First sign-in password",
    "team.password_text": (
        "Copy it now: this password will not be shown again. Give it to the person, "
        "who signs in with their email and this password."
    ),
    "team.copy": "Copy",
    "team.copied": "Copied",
    "team.done": "Done",
    "team.access": "How they sign in",
    "team.access_password": "First sign-in password",
    "team.access_invite": "Invite link",
    "team.invite_note": "Or an invite link: they choose their own password (valid 7 days, once).",
    "team.invite_link": "Invite link",
    "team.invite_title": "Invite link",
    "team.invite_text": (
        "Copy it now and send it to them: the link is shown only once, works once, and a "
        "new link cancels this one."
    ),
    "team.invite_expires": "Expires {when}.",
    "team.supervisor_note": (
        "As a supervisor you see the team; changes only an administrator may make are "
        "refused with the reason."
    ),
    "team.no_users": "No users.",
    "team.new_department": "New department",
    "team.edit_department": "Edit department",
    "team.description": "Description",
    "team.round_robin": "Automatic round robin",
    "team.round_robin_hint": (
        "New conversations go straight to the available agent who waited longest for one."
    ),
    "team.requires_tabulation": "Requires a tabulation to close",
    "team.members": "Members",
    "team.no_departments": "No departments yet.",
    "team.delete_department": "Delete the department",
    "team.delete_department_text": (
        "Its conversations are left without a department, its quick replies are "
        "deleted and its members stay on the team."
    ),
    "tabs.new": "New tabulation",
    "tabs.edit": "Edit tabulation",
    "tabs.name": "Name",
    "tabs.color": "Color",
    "tabs.description": "Description",
    "tabs.scope": "Department",
    "tabs.everyone": "All departments",
    "tabs.auto": "Automatic",
    "tabs.auto_hint": "Applied by the system (integrations or AI), not picked by agents.",
    "tabs.empty": "No tabulations yet.",
    "tabs.delete": "Delete the tabulation",
    "tabs.delete_text": "It is removed from the conversations and contacts that use it; they stay.",
}
