"""Russian UI strings of the mail pages (templates/mail, views/mail*.py, the Mail items of the navigation and the
"Write a letter" buttons of the cards) for the lead to merge into webui/translations/ru/LC_MESSAGES/messages.po
(msgid -> msgstr; %% and %(name)s as in the msgid). Strings other pages already translate are left out."""

from __future__ import annotations

RU: dict[str, str] = {
    # Navigation and cards
    "Mail accounts": "Почтовые ящики",
    "Mail sorting rules": "Правила сортировки почты",
    "Write a letter": "Написать письмо",
    # Folders and the list
    "Folders": "Папки",
    "Inbox": "Входящие",
    "Sent": "Отправленные",
    "Drafts": "Черновики",
    "Deleted": "Удалённые",
    "Junk": "Спам",
    "Archive": "Архив",
    "Drafts (not sent)": "Черновики (не отправлены)",
    "Outbox": "Исходящие",
    "Sent from the CRM": "Отправленные из CRM",
    "All folders": "Все папки",
    "My mail settings": "Мои настройки почты",
    "You have no mailbox yet. An administrator connects mailboxes and adds you to them.": (
        "У вас пока нет почтового ящика. Администратор подключает ящики и добавляет в них пользователей."
    ),
    "Subject or sender": "Тема или отправитель",
    "From address": "Адрес отправителя",
    "With files": "С вложениями",
    "More filters": "Другие отборы",
    "Anything": "Что угодно",
    "From date": "С даты",
    "To date": "По дату",
    "Lead letters": "Письма-лиды",
    "All letters": "Все письма",
    "Newest first": "Сначала новые",
    "Oldest first": "Сначала старые",
    "Columns:": "Колонки:",
    "Reset filters": "Сбросить отборы",
    "Selected letters": "Выбранные письма",
    "Select all": "Выбрать все",
    "Select": "Выбрать",
    "Mark as read": "Отметить прочитанными",
    "Mark as unread": "Отметить непрочитанными",
    "Remove the flag": "Снять флажок",
    "Folder to move to": "Папка для перемещения",
    "Move to…": "Переместить в…",
    "Move": "Переместить",
    "Delete (marks for deletion)": "Удалить (пометить на удаление)",
    "Print": "Печать",
    "Print the selected letters": "Напечатать выбранные письма",
    "List settings": "Настройки списка",
    "No saved list settings yet.": "Сохранённых настроек списка пока нет.",
    "Name of these settings": "Название настроек",
    "Letters from %(address)s": "Письма от %(address)s",
    "No letters here.": "Писем нет.",
    "Choose a letter to read it here.": "Выберите письмо, чтобы прочитать его здесь.",
    "Files": "Вложения",
    "Sender": "Отправитель",
    "Recipients": "Кому",
    "Set the flag": "Поставить флажок",
    "Switched on": "Включено",
    "Size": "Размер",
    "Linked to": "Связано с",
    "Account": "Ящик",
    "Flagged": "С флажком",
    "To:": "Кому:",
    "Lead letter": "Письмо-лид",
    "lead": "лид",
    "Waiting for someone of the group to take it": "Ждёт, пока кто-то из группы возьмёт его",
    "draft": "черновик",
    "not sent": "не отправлено",
    "(no subject)": "(без темы)",
    "Me": "Я",
    "Nobody": "Никто",
    "My groups (to take)": "Мои группы (взять в работу)",
    "A client": "Клиент",
    "An interest": "Интерес",
    "An appeal": "Обращение",
    "Nothing": "Ничего",
    "Any lead letter": "Любое письмо-лид",
    "Leads: My sales": "Лиды: Мои продажи",
    "Leads: Support": "Лиды: Поддержка",
    "A date like 2025-03-31.": "Дата в виде 2025-03-31.",
    "Choose one of the offered values.": "Выберите одно из предложенных значений.",
    "An e-mail address like name@example.com.": "Адрес электронной почты, например name@example.com.",
    "The end of the period is before its start.": "Конец периода раньше его начала.",
    "This list position is not valid any more; reload the page.": (
        "Эта позиция списка больше не действует; обновите страницу."
    ),
    "Choose what to do with the selected letters.": "Выберите, что сделать с выбранными письмами.",
    "Select at least one letter.": "Выберите хотя бы одно письмо.",
    "Some of the selected letters are not in your mailboxes.": "Некоторые из выбранных писем не из ваших ящиков.",
    "Marked as read.": "Отмечено прочитанным.",
    "Marked as unread.": "Отмечено непрочитанным.",
    "Flag set.": "Флажок установлен.",
    "Flag removed.": "Флажок снят.",
    "Choose the folder to move the letters to.": "Выберите папку, в которую переместить письма.",
    "Letters moved.": "Письма перемещены.",
    "Letters marked for deletion.": "Письма помечены на удаление.",
    "The list settings were not saved: %(why)s": "Настройки списка не сохранены: %(why)s",
    "List settings saved as “%(name)s”.": "Настройки списка сохранены как «%(name)s».",
    "Saved list settings deleted.": "Сохранённые настройки списка удалены.",
    # The reading pane
    "Letter actions": "Действия с письмом",
    "Reply": "Ответить",
    "Reply all": "Ответить всем",
    "Forward": "Переслать",
    "Edit the draft": "Редактировать черновик",
    "Download as .eml": "Скачать как .eml",
    "Show all letters from the sender": "Показать все письма отправителя",
    "Cc": "Копия",
    "Bcc": "Скрытая копия",
    "Reject": "Отклонить",
    "file": "файл",
    "Part of this letter could not be read; the original is kept and can be downloaded as .eml.": (
        "Часть письма не удалось прочитать; оригинал сохранён, его можно скачать как .eml."
    ),
    "Remote images blocked to protect your privacy: %(num)d.": (
        "Внешние изображения заблокированы для защиты вашей приватности: %(num)d."
    ),
    "Show images": "Показать изображения",
    "Copy hyperlink": "Копировать гиперссылку",
    "Link copied:": "Ссылка скопирована:",
    "Copy this link by hand:": "Скопируйте ссылку вручную:",
    "You are now responsible for this letter.": "Теперь вы ответственный за это письмо.",
    "Letter rejected: you are recorded as its Responsible.": "Письмо отклонено: ответственным записаны вы.",
    "This is not an e-mail address: %(address)s": "Это не адрес электронной почты: %(address)s",
    "Print letters": "Печать писем",
    "Letters to print: %(num)d": "Писем для печати: %(num)d",
    "Back to mail": "Вернуться к почте",
    "Select the letters to print in the list first.": "Сначала выберите письма для печати в списке.",
    # Compose
    "New letter": "Новое письмо",
    "Draft": "Черновик",
    "The name before the address is your sender name for this mailbox (My mail settings).": (
        "Имя перед адресом — ваше имя отправителя для этого ящика (Мои настройки почты)."
    ),
    "Bulleted list": "Маркированный список",
    "Numbered list": "Нумерованный список",
    "Remove the link": "Убрать ссылку",
    "Clear formatting": "Очистить форматирование",
    "Font of the letter": "Шрифт письма",
    "Font size of the letter": "Размер шрифта письма",
    "Autotext such as {{current_user}} or {{appeal_number}} is filled in when the letter is sent.": (
        "Автотекст, например {{current_user}} или {{appeal_number}}, подставляется при отправке письма."
    ),
    "Signature": "Подпись",
    "No signature": "Без подписи",
    "(mine)": "(моя)",
    "Changing it replaces the signature in the text.": "При смене подпись в тексте заменяется.",
    "At most %(mb)s MB of files in one letter from this mailbox.": (
        "Не более %(mb)s МБ вложений в одном письме из этого ящика."
    ),
    "Choose the files again: a browser does not keep them after an error.": (
        "Выберите файлы заново: после ошибки браузер их не сохраняет."
    ),
    "remove": "убрать",
    "The forwarded letter's files go with it:": "Вложения пересылаемого письма уйдут вместе с ним:",
    "Letters attached as .eml": "Письма вложениями .eml",
    "Add letter": "Добавить письмо",
    'None. Use "Add letter" or drag letters here from the picker.': (
        "Нет. Нажмите «Добавить письмо» или перетащите письма сюда из списка выбора."
    ),
    "Add files from the linked interests and appeals": "Добавить файлы из связанных интересов и обращений",
    "The linked interests and appeals have no files.": "У связанных интересов и обращений нет файлов.",
    "Send": "Отправить",
    "Save draft": "Сохранить черновик",
    "Add letters as .eml attachments": "Добавить письма вложениями .eml",
    'Tick letters and press "Add selected", or double-click a letter to add it at once. You can also drag '
    "letters onto the attachments.": (
        "Отметьте письма и нажмите «Добавить выбранные» или дважды щёлкните письмо, чтобы сразу добавить его. "
        "Письма можно также перетащить во вложения."
    ),
    "Add selected": "Добавить выбранные",
    "No letters found.": "Письма не найдены.",
    "Link address (https://…)": "Адрес ссылки (https://…)",
    "You have no mailbox to write from": "У вас нет ящика, из которого можно писать",
    "An administrator connects mailboxes and adds you to them.": (
        "Администратор подключает почтовые ящики и добавляет в них пользователей."
    ),
    "Draft saved.": "Черновик сохранён.",
    "The letter is queued and goes out in a moment: %(subject)s": (
        "Письмо поставлено в очередь и сейчас уйдёт: %(subject)s"
    ),
    "This list position is not valid any more; search again.": "Эта позиция списка больше не действует; найдите заново.",
    # Personal settings
    "My mailboxes": "Мои почтовые ящики",
    "Your sender name goes into From of the letters you write from a shared mailbox, so replies come back to "
    "you. Empty: the mailbox's own name.": (
        "Ваше имя отправителя ставится в поле «От» писем из общего ящика, чтобы ответы приходили вам. "
        "Пусто — имя самого ящика."
    ),
    "Sender name": "Имя отправителя",
    "Font of my new letters": "Шрифт моих новых писем",
    "The company's default is %(family)s %(size)s. Leave both empty to use it.": (
        "По умолчанию в компании — %(family)s %(size)s. Оставьте оба поля пустыми, чтобы использовать его."
    ),
    "Font": "Шрифт",
    "My signatures": "Мои подписи",
    "New signature": "Новая подпись",
    "No signatures of your own. Shared signatures are kept by administrators.": (
        "Своих подписей нет. Общие подписи ведут администраторы."
    ),
    "Mail settings saved.": "Настройки почты сохранены.",
    "Your letter font is saved.": "Шрифт ваших писем сохранён.",
    "Signature “%(name)s” saved.": "Подпись «%(name)s» сохранена.",
    "Signature deleted.": "Подпись удалена.",
    "HTML is kept (bold, links, lists, images); scripts are removed.": (
        "HTML сохраняется (жирный шрифт, ссылки, списки, изображения); скрипты удаляются."
    ),
    "Autotext": "Автотекст",
    "These are filled in for each letter:": "Подставляется в каждое письмо:",
    "the name of whoever writes the letter": "имя того, кто пишет письмо",
    "their e-mail": "его адрес электронной почты",
    "the number of the interest or appeal the letter is written from": (
        "номер интереса или обращения, из которого пишется письмо"
    ),
    "the number of the letter being answered": "номер письма, на которое отвечают",
    "the client's name": "название клиента",
    "today's date": "сегодняшняя дата",
    # Administration
    "Sorting rules": "Правила сортировки",
    "Shared signatures": "Общие подписи",
    "Letter font": "Шрифт писем",
    "New mail account": "Новый почтовый ящик",
    "Mail account %(name)s created.": "Почтовый ящик %(name)s создан.",
    "Name (the sender name when a user has none)": "Название (имя отправителя, если у пользователя нет своего)",
    "E-mail address": "Адрес электронной почты",
    "Shared": "Общий",
    "Personal": "Личный",
    "Owner (personal account)": "Владелец (личный ящик)",
    "Members (write from this account)": "Участники (пишут из этого ящика)",
    "Shared accounts: who reads and writes from it. Hold Ctrl to choose several.": (
        "Общие ящики: кто читает и пишет из него. Удерживайте Ctrl, чтобы выбрать нескольких."
    ),
    "Incoming mail (IMAP)": "Входящая почта (IMAP)",
    "Outgoing mail (SMTP)": "Исходящая почта (SMTP)",
    "IMAP server": "Сервер IMAP",
    "IMAP port": "Порт IMAP",
    "IMAP security": "Защита IMAP",
    "IMAP user name": "Пользователь IMAP",
    "IMAP password": "Пароль IMAP",
    "SMTP server": "Сервер SMTP",
    "SMTP port": "Порт SMTP",
    "SMTP security": "Защита SMTP",
    "SMTP user name": "Пользователь SMTP",
    "SMTP password": "Пароль SMTP",
    "None (plain)": "Нет (открытый текст)",
    "Empty: the e-mail address.": "Пусто — адрес электронной почты.",
    "Stored; leave empty to keep it.": "Сохранён; оставьте пустым, чтобы не менять.",
    "Not stored yet.": "Ещё не сохранён.",
    "Attachments of one letter, at most (MB)": "Вложения одного письма, не более (МБ)",
    "Check for new letters every (seconds)": "Проверять новые письма каждые (секунд)",
    "Default signature": "Подпись по умолчанию",
    "Department of new leads": "Подразделение новых лидов",
    "None": "Нет",
    "Auto-responder": "Автоответчик",
    "Auto-responder on": "Автоответчик включён",
    "Answer from": "Отвечать с",
    "Answer until": "Отвечать до",
    "Reply subject": "Тема ответа",
    "Reply text": "Текст ответа",
    "Answer one sender at most once in (days)": "Отвечать одному отправителю не чаще раза в (дней)",
    "Your time zone. Empty: from now on.": "Ваш часовой пояс. Пусто — с текущего момента.",
    "Empty: until switched off.": "Пусто — пока не выключат.",
    "Connection": "Подключение",
    "Last check for letters": "Последняя проверка писем",
    "Last error": "Последняя ошибка",
    "The connection has problems:": "Проблемы подключения:",
    "IMAP and SMTP servers answered; the settings work.": "Серверы IMAP и SMTP ответили; настройки работают.",
    "Check connection": "Проверить подключение",
    "Sync now": "Синхронизировать сейчас",
    "The mailbox could not be read: %(why)s": "Не удалось прочитать ящик: %(why)s",
    "%(count)d new letters stored.": "Сохранено новых писем: %(count)d.",
    "Folders and leads": "Папки и лиды",
    "Refresh folders": "Обновить папки",
    "The folders could not be read: %(why)s": "Не удалось прочитать папки: %(why)s",
    "%(count)d folders found on the server.": "Папок на сервере: %(count)d.",
    "Which folders produce leads": "Какие папки создают лиды",
    "Selected folders": "Выбранные папки",
    "None (off)": "Никакие (выключено)",
    "Folder": "Папка",
    "Lead source": "Источник лидов",
    '"Selected folders": only the ticked lead-source folders produce leads. For each workplace, tick the '
    "folders whose leads it shows.": (
        "«Выбранные папки»: лиды создают только отмеченные папки-источники. Для каждого рабочего места "
        "отметьте папки, лиды из которых оно показывает."
    ),
    "Save lead settings": "Сохранить настройки лидов",
    "Lead settings saved.": "Настройки лидов сохранены.",
    "No folders known yet: check the connection, then refresh the folders.": (
        "Папки пока неизвестны: проверьте подключение, затем обновите папки."
    ),
    "Name or address": "Название или адрес",
    "Any kind": "Любой вид",
    "Switched off": "Выключенные",
    "Address": "Адрес",
    "Last check": "Последняя проверка",
    "Problem": "Проблема",
    "No mail accounts match the filter.": "Нет почтовых ящиков, подходящих под отбор.",
    "New letters start in this font unless a user chose a font of their own.": (
        "Новые письма начинаются этим шрифтом, если пользователь не выбрал свой."
    ),
    "For example: %(examples)s": "Например: %(examples)s",
    "A size like 10pt or 14px.": "Размер вида 10pt или 14px.",
    "The default font of new letters is saved.": "Шрифт новых писем по умолчанию сохранён.",
    "Every account": "Все ящики",
    "All must hold": "Должны выполняться все",
    "Any one is enough": "Достаточно любого",
    "Stop here: no later rule applies": "Остановиться: следующие правила не применяются",
    "Has files": "Есть вложения",
    "Size, KB": "Размер, КБ",
    "does not contain": "не содержит",
    "is": "равно",
    "starts with": "начинается с",
    "ends with": "заканчивается на",
    "greater than": "больше",
    "less than": "меньше",
    "Move to folder": "Переместить в папку",
    "Make responsible": "Назначить ответственным",
    "Link to client (id)": "Связать с клиентом (id)",
    "Forward to address": "Переслать на адрес",
    "Stop processing rules": "Прекратить обработку правил",
    "Comparison": "Сравнение",
    "text, true/false, or kilobytes": "текст, true/false или килобайты",
    "Actions": "Действия",
    "Action": "Действие",
    "Folder…": "Папка…",
    "User": "Пользователь",
    "User…": "Пользователь…",
    "Client id": "Id клиента",
    "Client id (from the card address)": "Id клиента (из адреса карточки)",
    "Add an action": "Добавить действие",
    "Rules apply to each incoming letter from the top down; a rule whose conditions hold does its actions. "
    '"Stop here" ends the pass.': (
        "Правила применяются к каждому входящему письму сверху вниз; правило, условия которого выполнены, "
        "выполняет свои действия. «Остановиться» завершает обработку."
    ),
    "all of": "все условия",
    "any of": "любое условие",
    "stop": "стоп",
    "No sorting rules yet.": "Правил сортировки пока нет.",
    "Rule “%(name)s” saved.": "Правило «%(name)s» сохранено.",
    "Shared signatures are offered to everyone; a mailbox can name one as its default. Autotext such as "
    "{{current_user}} shows the name of whoever writes.": (
        "Общие подписи доступны всем; ящик может назначить одну из них подписью по умолчанию. Автотекст, "
        "например {{current_user}}, показывает имя того, кто пишет."
    ),
    "No shared signatures yet.": "Общих подписей пока нет.",
}
