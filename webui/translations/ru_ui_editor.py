"""Russian UI strings of the route-map editor and the designers' pages (views/processes.py,
views/process_migration.py, views/editor_api.py — whose messages the editor's JavaScript shows —,
route_map_pages.py, templates/processes/*; the editor's JavaScript gets all its texts from the ``t`` dict
rendered by templates/processes/editor.html) for the lead to merge into
webui/translations/ru/LC_MESSAGES/messages.po (msgid -> msgstr; %(name)s and {name} as in the msgid).

Where a short msgid is shared with other areas (Name, Key, Cancel...), the value matches theirs."""

from __future__ import annotations

RU: dict[str, str] = {
    # --- route-map list, new/upload (views/processes.py, templates/processes/index.html) ---
    "Route maps": "Карты маршрутов",
    "New route map": "Новая карта маршрута",
    "Blank": "Пустая",
    "A start event and an end event.": "Начальное и конечное событие.",
    "Approval": "Согласование",
    "A request, an approver's decision, a loop back for revision.": (
        "Заявка, решение согласующего, возврат на доработку."
    ),
    "Ticket": "Обращение",
    "Register an appeal, work on it with an SLA, confirm with the client.": (
        "Регистрация обращения, работа по нему с контролем SLA, подтверждение у клиента."
    ),
    "%(key)s, version %(version)s": "%(key)s, версия %(version)s",
    "Choose one .bpmn file (forms as .json and decision tables as .dmn may come with it).": (
        "Выберите один файл .bpmn (вместе с ним можно выбрать формы .json и таблицы решений .dmn)."
    ),
    "The files could not be read: %(reason)s": "Не удалось прочитать файлы: %(reason)s",
    "Uploaded: %(name)s": "Загружено: %(name)s",
    "%(name)s is not a JSON object": "%(name)s — не JSON-объект",
    "BPMN file with its forms and decision tables": "Файл BPMN с формами и таблицами решений",
    "Open file": "Открыть файл",
    "Key": "Ключ",
    "Name": "Наименование",
    "Versions (running instances)": "Версии (работающие экземпляры)",
    "Last deployed": "Опубликована",
    "Running instances on version %(version)s": "Работающие экземпляры на версии %(version)s",
    "Edit": "Изменить",
    "History": "История",
    "A running instance stays on the version it started with.": (
        "Работающий экземпляр остаётся на той версии, с которой он запущен."
    ),
    "No route maps deployed": "Нет опубликованных карт маршрутов",
    "Create one from a template, open a .bpmn file, or run `routemap init` to deploy the shipped route maps.": (
        "Создайте карту из шаблона, откройте файл .bpmn или выполните `routemap init`, чтобы опубликовать "
        "поставляемые карты маршрутов."
    ),
    "Migrate to version %(v)s (latest)": "Перенести на версию %(v)s (последнюю)",
    # --- version history (templates/processes/history.html) ---
    "History of %(key)s": "История %(key)s",
    "History of": "История",
    "Edit latest": "Изменить последнюю",
    "Version": "Версия",
    "Deployed by": "Опубликовал",
    "When": "Когда",
    "Comment": "Комментарий",
    "Running": "Выполняется",
    "Compare from": "Исходная версия для сравнения",
    "From": "С",
    "Compare to": "Новая версия для сравнения",
    "To": "По",
    "system": "система",
    "Compare from version %(v)s": "Версия %(v)s — исходная для сравнения",
    "Compare to version %(v)s": "Версия %(v)s — новая для сравнения",
    "Open version": "Открыть версию",
    "Compare the chosen versions": "Сравнить выбранные версии",
    # --- visual diff (templates/processes/diff.html) ---
    "%(key)s: v%(a)s → v%(b)s": "%(key)s: v%(a)s → v%(b)s",
    "version %(a)s → version %(b)s": "версия %(a)s → версия %(b)s",
    "added": "добавлено",
    "removed": "удалено",
    "changed": "изменено",
    "The two versions have the same elements and settings.": "У двух версий одинаковые элементы и настройки.",
    "Added": "Добавлено",
    "Removed": "Удалено",
    "Changed": "Изменено",
    # --- editor page and its side panel (templates/processes/editor.html, the JavaScript's ``t``) ---
    "Key (process id)": "Ключ (идентификатор процесса)",
    "Versions are counted per key. Letters, digits and _ . - ; no spaces.": (
        "Версии нумеруются отдельно для каждого ключа. Латинские буквы, цифры и _ . - ; без пробелов."
    ),
    "Route map name": "Название карты маршрута",
    "Pool name": "Название пула",
    "The key must start with a letter and contain only letters, digits, _ . -": (
        "Ключ должен начинаться с буквы и содержать только буквы, цифры и _ . -"
    ),
    "Who does it": "Кто выполняет",
    "Lane": "Дорожка",
    "no lane: anyone with access": "без дорожки: любой, у кого есть доступ",
    "Assignee (expression)": "Исполнитель (выражение)",
    "Optional. A Python expression giving a user id, e.g. initiator_id or manager_id.": (
        "Необязательно. Выражение Python, дающее идентификатор пользователя, например initiator_id или manager_id."
    ),
    "Priority": "Приоритет",
    "not set": "не задан",
    "low": "низкий",
    "normal": "обычный",
    "high": "высокий",
    "urgent": "срочный",
    "SLA": "SLA",
    "Written as": "Записано как",
    "minutes": "минут",
    "hours": "часов",
    "days": "дн.",
    "working time": "рабочее время",
    "calendar time": "календарное время",
    "Form": "Форма",
    "The form file is not part of this route map:": "Файла формы нет в этой карте маршрута:",
    "Add field": "Добавить поле",
    "Preview": "Предпросмотр",
    "No fields yet.": "Полей пока нет.",
    "new field": "новое поле",
    "kept as written (edit the JSON file to change it)": "сохраняется как есть (чтобы изменить, правьте файл JSON)",
    "Label": "Представление",
    "Type": "Вид",
    "Variable": "Переменная",
    "Default": "По умолчанию",
    "Options, one per line": "Варианты, по одному в строке",
    "Required": "Обязательный",
    "Remove": "Удалить",
    "Move up": "Выше",
    "Move down": "Ниже",
    "Choose a client…": "Выберите клиента…",
    "Text": "Текст",
    "Long text": "Многострочный текст",
    "Number": "Число",
    "Money": "Сумма",
    "Date": "Дата",
    "Date and time": "Дата и время",
    "Choice": "Выбор из списка",
    "Several choices": "Несколько значений из списка",
    "Checkbox": "Флажок",
    "File": "Файл",
    "Client": "Клиент",
    "Instructions": "Инструкция",
    "Markdown. Shown to the person doing the task; {{ variable }} inserts process data.": (
        "Markdown. Показывается исполнителю задачи; {{ variable }} подставляет данные процесса."
    ),
    "Service operation": "Служебная операция",
    "Choose an operation…": "Выберите операцию…",
    "not registered": "не зарегистрирована",
    "Each parameter is a Python expression: quote text ('hello'), or name process data (client_id).": (
        "Каждый параметр — выражение Python: текст берите в кавычки ('привет'), данные процесса указывайте "
        "по имени (client_id)."
    ),
    "Save the result as variable": "Сохранить результат в переменную",
    "Timer": "Таймер",
    "After a duration": "Через интервал",
    "At a date and time": "В дату и время",
    "Repeating": "Повторяющийся",
    "Expression (expert)": "Выражение (для опытных)",
    "ISO 8601 duration: PT30M, PT4H, P2D, P1DT4H.": "Интервал ISO 8601: PT30M, PT4H, P2D, P1DT4H.",
    "ISO 8601 date-time with offset, e.g. 2025-01-31T10:00:00+03:00.": (
        "Дата и время ISO 8601 со смещением, например 2025-01-31T10:00:00+03:00."
    ),
    "The next working day of the work calendar, at this time.": (
        "Следующий рабочий день по производственному календарю, в указанное время."
    ),
    "R<count>/<duration>, e.g. R3/PT1H (calendar time only).": (
        "R<количество>/<интервал>, например R3/PT1H (только календарное время)."
    ),
    "Default flow": "Поток по умолчанию",
    "none": "нет",
    "Taken when no condition of the other flows holds.": "Выбирается, когда не выполнено ни одно условие других потоков.",
    "Condition": "Условие",
    "This is the default flow of its gateway: it is taken when no other condition holds.": (
        "Это поток по умолчанию своего шлюза: он выбирается, когда не выполнено ни одно другое условие."
    ),
    "variable": "переменная",
    "operator": "оператор",
    "value": "значение",
    "Write the expression myself": "Написать выражение самому",
    "Back to the builder": "Вернуться к конструктору",
    "This expression is too complex for the builder.": "Это выражение слишком сложное для конструктора.",
    "Make this the default flow": "Сделать потоком по умолчанию",
    "equals": "равно",
    "is not": "не равно",
    "is one of": "одно из",
    "is none of": "ни одно из",
    "contains": "содержит",
    "is empty": "не заполнено",
    "is filled in": "заполнено",
    "changed, not checked": "изменено, не проверено",
    "checking…": "проверка…",
    "deploying…": "публикация…",
    "failed": "ошибка",
    "{count} problem(s)": "Проблем: {count}",
    "no problems": "проблем нет",
    "version {version} deployed": "опубликована версия {version}",
    "identical to version {version}: nothing deployed": "совпадает с версией {version}: ничего не опубликовано",
    "opened": "открыто",
    "opened with warnings:": "открыто с предупреждениями:",
    "The diagram cannot be opened:": "Схему не удаётся открыть:",
    "line": "строка",
    "route map": "карта маршрута",
    "Version history": "История версий",
    "loading…": "загрузка…",
    "Undo": "Отменить",
    "Redo": "Повторить",
    "Fit to screen": "Вписать в экран",
    "Save and check": "Сохранить и проверить",
    "Deploy": "Опубликовать",
    "This browser keeps an unsaved draft of this route map from": (
        "В этом браузере есть несохранённый черновик этой карты маршрута от"
    ),
    "Restore the draft": "Восстановить черновик",
    "Discard it": "Удалить его",
    "Problems (click one to select its element)": "Проблемы (щёлкните, чтобы выделить элемент)",
    "Properties of the selected element": "Свойства выделенного элемента",
    "Deploy a new version": "Опубликовать новую версию",
    "Close": "Закрыть",
    "The route map is checked again; nothing is stored while it has problems. New instances start on the new version; running ones stay on theirs.": (
        "Карта маршрута проверяется ещё раз; пока в ней есть проблемы, ничего не сохраняется. Новые экземпляры "
        "запускаются на новой версии, работающие остаются на своей."
    ),
    "What changed": "Что изменилось",
    "Deploy even if someone deployed a newer version of this key since I opened it": (
        "Опубликовать, даже если после того, как я открыл карту, кто-то опубликовал более новую версию этого ключа"
    ),
    "Cancel": "Отмена",
    # --- editor JSON endpoints (views/editor_api.py): the editor shows title and detail ---
    "Send a JSON object.": "Отправьте JSON-объект.",
    "The route map (xml) is missing.": "Нет карты маршрута (xml).",
    "Forms must be an object of form name to JSON Schema.": (
        "Формы передаются объектом «имя формы → JSON Schema»."
    ),
    "Decision tables must be an object of file name to DMN XML.": (
        "Таблицы решений передаются объектом «имя файла → DMN XML»."
    ),
    "The comment must be text.": "Комментарий должен быть текстом.",
    "base_version must be a version number.": "base_version должен быть номером версии.",
    "Bad request": "Некорректный запрос",
    "A route map with the key %(key)s already exists. Change the key, or deploy anyway to make this version %(next)s of it.": (
        "Карта маршрута с ключом %(key)s уже существует. Измените ключ или всё равно опубликуйте — это станет "
        "её версией %(next)s."
    ),
    "Version %(latest)s of %(key)s was deployed after you opened version %(base)s. Compare the versions, or deploy anyway to replace it.": (
        "Версия %(latest)s карты %(key)s опубликована после того, как вы открыли версию %(base)s. Сравните "
        "версии или всё равно опубликуйте, чтобы заменить её."
    ),
    "Newer version exists": "Есть более новая версия",
    "The route map has problems": "В карте маршрута есть проблемы",
    "Nothing was deployed: fix the %(count)s problem(s) shown on the diagram.": (
        "Ничего не опубликовано: исправьте проблемы, отмеченные на схеме (%(count)s)."
    ),
    # --- migrating running instances (views/process_migration.py, templates/processes/migrate*.html) ---
    "Migrate %(key)s: version %(a)s → version %(b)s": "Перенос %(key)s: версия %(a)s → версия %(b)s",
    "migrate version %(a)s to version %(b)s (latest)": "перенос с версии %(a)s на версию %(b)s (последнюю)",
    "Each running instance is checked against the new version. An instance can move when the new version still has every step it waits at and every step in its recent history; otherwise it stays on its version until it ends, and the reason is shown.": (
        "Каждый работающий экземпляр проверяется по новой версии. Экземпляр можно перенести, если в новой "
        "версии остались все шаги, на которых он стоит, и все шаги его недавней истории; иначе он остаётся на "
        "своей версии до завершения, а причина показывается."
    ),
    "Safe to migrate on this page: %(safe)s of %(count)s.": (
        "Можно безопасно перенести на этой странице: %(safe)s из %(count)s."
    ),
    "Migrate all safe ones…": "Перенести все безопасные…",
    "Instance": "Экземпляр",
    "Business key": "Бизнес-ключ",
    "Started": "Запущено",
    "Current steps": "Текущие шаги",
    "Migration to version %(v)s": "Перенос на версию %(v)s",
    "suspended": "приостановлен",
    "safe": "безопасно",
    "not possible": "невозможно",
    "Migrate…": "Перенести…",
    "No running instances on version %(v)s": "На версии %(v)s нет работающих экземпляров",
    "Every instance of this version has ended or has been migrated.": (
        "Все экземпляры этой версии завершены или перенесены."
    ),
    "Confirm the migration": "Подтверждение переноса",
    "Instance #%(id)s of %(key)s moves from version %(a)s to version %(b)s.": (
        "Экземпляр №%(id)s карты %(key)s переносится с версии %(a)s на версию %(b)s."
    ),
    "Every running instance of %(key)s on version %(a)s (%(count)s now) is checked again and moved to version %(b)s if it is safe.": (
        "Каждый работающий экземпляр %(key)s на версии %(a)s (сейчас их %(count)s) проверяется ещё раз и, "
        "если это безопасно, переносится на версию %(b)s."
    ),
    "Instances that cannot move stay on version %(a)s and are listed with the reason.": (
        "Экземпляры, которые перенести нельзя, остаются на версии %(a)s и показываются с причиной."
    ),
    "This continues after instance #%(id)s.": "Перенос продолжается после экземпляра №%(id)s.",
    "Each instance is moved in its own transaction and its history records the move. The steps it waits at keep their data; steps whose settings changed in the new version (form, performer, SLA) are re-created from it.": (
        "Каждый экземпляр переносится в отдельной транзакции, перенос записывается в его историю. Шаги, на "
        "которых он стоит, сохраняют свои данные; шаги, настройки которых изменились в новой версии (форма, "
        "исполнитель, SLA), создаются заново по ней."
    ),
    "What changes in version %(b)s:": "Что меняется в версии %(b)s:",
    "Migrate instance #%(id)s": "Перенести экземпляр №%(id)s",
    "Migrate the safe ones": "Перенести безопасные",
    "Migration result": "Результат переноса",
    "Migrated: %(migrated)s. Refused: %(refused)s. Failed: %(failed)s.": (
        "Перенесено: %(migrated)s. Отказано: %(refused)s. Ошибок: %(failed)s."
    ),
    "Result": "Результат",
    "Reason": "Причина",
    "migrated to version %(v)s": "перенесён на версию %(v)s",
    "refused": "отказано",
    "No instance was left to migrate.": "Не осталось экземпляров для переноса.",
    "Continue with the next instances…": "Продолжить со следующими экземплярами…",
    "Instances still on version %(v)s: %(count)s": "Экземпляров ещё на версии %(v)s: %(count)s",
    "Version %(latest)s was deployed meanwhile; check the instances against it and confirm again.": (
        "Тем временем опубликована версия %(latest)s; проверьте экземпляры по ней и подтвердите ещё раз."
    ),
    "%(step)s is where the instance is now, and the new version removed it": (
        "Экземпляр сейчас стоит на шаге %(step)s, а в новой версии этого шага нет"
    ),
    "%(step)s is in the instance's recent history, and the new version removed it": (
        "Шаг %(step)s есть в недавней истории экземпляра, а в новой версии его нет"
    ),
    "Subprocess %(subprocess)s is running, and the new version has no such process": (
        "Выполняется подпроцесс %(subprocess)s, а в новой версии такого процесса нет"
    ),
    "The target is not a version of this instance's route map": (
        "Целевая версия относится к другой карте маршрута"
    ),
    "The instance already runs on that version": "Экземпляр уже работает на этой версии",
    "The instance is %(status)s": "Экземпляр в состоянии «%(status)s»",
}
