"""Russian translations of the API token page (webui/views/api_tokens.py, templates/account/api_tokens.html)
and of its user-menu entry in base.html.

The lead merges this dict into ``ru/LC_MESSAGES/messages.po``; keys are the English msgids exactly as written
in ``_()`` / ``_l()``. The API itself answers in English (its problem documents are for programs and their
developers); ``/api/docs`` is English too.
"""

RU = {
    "API tokens": "API-токены",
    "Token name": "Название токена",
    "There is no such token among yours.": "Среди ваших токенов такого нет.",
    "The token “%(name)s” is revoked.": "Токен «%(name)s» отозван.",
    "An integration (a website, a payment system, a script) calls the JSON API with one of your tokens and acts "
    "with your rights. Give each integration its own token, and revoke it when it is no longer used.": (
        "Интеграция (сайт, платёжная система, скрипт) обращается к JSON API с одним из ваших токенов и действует "
        "с вашими правами. Выдавайте каждой интеграции свой токен и отзывайте его, когда он больше не нужен."
    ),
    "API reference": "Справочник API",
    "Copy the token now: it is shown only once.": "Скопируйте токен сейчас: он показывается только один раз.",
    "Send it in every request:": "Передавайте его в каждом запросе:",
    "E.g. the integration that will use it.": "Например, интеграция, которая будет его использовать.",
    "Create token": "Создать токен",
    "Name": "Название",
    "Token": "Токен",
    "Created": "Создан",
    "Last used": "Последнее использование",
    "Status": "Состояние",
    "never": "никогда",
    "Active": "Действует",
    "Revoked": "Отозван",
    "Revoke this token? Integrations using it will stop working.": (
        "Отозвать этот токен? Интеграции, которые его используют, перестанут работать."
    ),
    "Revoke": "Отозвать",
    "You have no API tokens yet.": "У вас пока нет API-токенов.",
    # Service messages shown next to the name field (crm/api_tokens.py).
    "give the token a name, e.g. the integration that will use it": (
        "дайте токену название, например по интеграции, которая будет его использовать"
    ),
    "at most 100 characters": "не более 100 символов",
}
