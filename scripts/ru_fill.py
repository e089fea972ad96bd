"""Maintenance helper: extract messages, update the Russian catalogue, and fill entries from RU below.

Run `python scripts/ru_fill.py` after adding UI strings; add their Russian text to RU (the .po is then the
source of truth and is committed).
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "webui/translations/ru/LC_MESSAGES/messages.po"
POT = ROOT / "webui/translations/messages.pot"

RU = {
    "Bad request": "Некорректный запрос",
    "The request could not be understood.": "Запрос не удалось разобрать.",
    "Access denied": "Доступ запрещён",
    "You do not have access to this page or record.": "У вас нет доступа к этой странице или записи.",
    "Not found": "Не найдено",
    "There is no such page or record.": "Такой страницы или записи нет.",
    "Not allowed": "Недопустимо",
    "This action is not allowed here.": "Это действие здесь недопустимо.",
    "Too large": "Слишком большой файл",
    "The upload is larger than allowed.": "Загружаемый файл больше допустимого.",
    "Too many requests": "Слишком много запросов",
    "Please wait a little and try again.": "Подождите немного и попробуйте снова.",
    "Something went wrong": "Что-то пошло не так",
    "The error has been logged. Please try again.": "Ошибка записана в журнал. Попробуйте ещё раз.",
    "The form has expired or was opened in another session. Please submit it again.": "Срок действия формы истёк или она открыта в другом сеансе. Отправьте её ещё раз.",
    "Form expired": "Срок действия формы истёк",
    "User name": "Имя пользователя",
    "Password": "Пароль",
    "Keep me logged in": "Не выходить из системы",
    "Full name": "ФИО",
    "E-mail": "Эл. почта",
    "Department": "Подразделение",
    "Roles": "Роли",
    "Groups": "Группы",
    "Language": "Язык",
    "Name": "Наименование",
    "Parent department": "Вышестоящее подразделение",
    "Head": "Руководитель",
    "Code": "Код",
    "Description": "Описание",
    "Members": "Участники",
    "Main": "Главное",
    "Desktop": "Рабочий стол",
    "My tasks": "Мои задачи",
    "My sales": "Мои продажи",
    "Support": "Поддержка",
    "Clients": "Клиенты",
    "Calendar": "Календарь",
    "Mail": "Почта",
    "Dialogs": "Диалоги",
    "Processes": "Процессы",
    "Route maps": "Карты маршрутов",
    "Monitoring": "Мониторинг",
    "Process efficiency and SLA": "Эффективность процессов и SLA",
    "Administration": "Администрирование",
    "Users": "Пользователи",
    "Departments": "Подразделения",
    "Background jobs": "Фоновые задания",
    "Set a password for the new user.": "Задайте пароль нового пользователя.",
    "User %(name)s created.": "Пользователь %(name)s создан.",
    "There is no such user.": "Такого пользователя нет.",
    "Saved.": "Сохранено.",
    "%(name)s is active again.": "%(name)s снова активен.",
    "%(name)s is deactivated.": "%(name)s деактивирован.",
    "User deleted.": "Пользователь удалён.",
    "Too many failed log-ins. Try again in %(minutes)s min.": "Слишком много неудачных попыток входа. Повторите через %(minutes)s мин.",
    "Wrong user name or password.": "Неверное имя пользователя или пароль.",
    "You have logged out.": "Вы вышли из системы.",
    "Tasks of the route maps you take part in will appear here.": "Здесь появятся задачи карт маршрутов, в которых вы участвуете.",
    "Your interests (deals) by stage will appear here.": "Здесь появятся ваши интересы (сделки) по этапам.",
    "Appeals assigned to you, in order, will appear here.": "Здесь по очереди появятся назначенные вам обращения.",
    "The client base will appear here.": "Здесь появится клиентская база.",
    "Meetings and calls, synchronised with your calendars, will appear here.": "Здесь появятся встречи и звонки, синхронизированные с вашими календарями.",
    "Letters from the connected mailboxes will appear here.": "Здесь появятся письма подключённых почтовых ящиков.",
    "Conversations from messengers will appear here.": "Здесь появятся переписки из мессенджеров.",
    "Durations, bottlenecks and SLA figures appear here once route maps have run.": "Длительности, узкие места и показатели SLA появятся здесь, когда карты маршрутов начнут работать.",
    "Main navigation": "Основная навигация",
    "Menu": "Меню",
    "Log out": "Выйти",
    "Close": "Закрыть",
    "Periodic jobs": "Регламентные задания",
    "Job": "Задание",
    "Every": "Каждые",
    "%(s)s s": "%(s)s с",
    "Workers seen": "Обработчики",
    "Worker": "Обработчик",
    "Last heartbeat": "Последний сигнал",
    "Runs": "Запусков",
    "No worker has run a job yet. Is `routemap worker` running?": "Ни один обработчик ещё не выполнял заданий. Запущен ли `routemap worker`?",
    "Mode": "Режим",
    "Celery with Redis: jobs run in `routemap worker`, periodic jobs are sent by `routemap beat`.": "Celery и Redis: задания выполняет `routemap worker`, регламентные задания отправляет `routemap beat`.",
    "In-process: jobs run in threads of `routemap serve`; no Redis is configured.": "Встроенный режим: задания выполняются в потоках `routemap serve`; Redis не настроен.",
    "New user": "Новый пользователь",
    "Hold Ctrl to choose several.": "Удерживайте Ctrl, чтобы выбрать несколько.",
    "At least 8 characters.": "Не менее 8 символов.",
    "Leave empty to keep the current password.": "Оставьте пустым, чтобы сохранить текущий пароль.",
    "This user has worked in the system, so the account can only be deactivated, never deleted.": "Пользователь работал в системе, поэтому учётную запись можно только деактивировать, но не удалить.",
    "Delete this user?": "Удалить пользователя?",
    "Delete user created by mistake": "Удалить ошибочно созданного пользователя",
    "Name, user name or e-mail": "ФИО, имя пользователя или эл. почта",
    "Search": "Поиск",
    "State": "Состояние",
    "Active": "Активные",
    "Deactivated": "Деактивированные",
    "All": "Все",
    "Role": "Роль",
    "Any role": "Любая роль",
    "Filter": "Отобрать",
    "Last log-in": "Последний вход",
    "deactivated": "деактивирован",
    "Deactivate": "Деактивировать",
    "Activate": "Активировать",
    "No users match the filter.": "Нет пользователей, подходящих под отбор.",
    "Log in": "Вход",
    "Log in to RouteMap CRM": "Вход в RouteMap CRM",
    "Demo accounts": "Демо-пользователи",
    "This is a demo installation. Log in as:": "Это демонстрационная установка. Войдите как:",
    "Go to the start page": "На начальную страницу",
    "Pages": "Страницы",
    "%(total)s in all": "Всего: %(total)s",
    "Good day, %(name)s": "Добрый день, %(name)s",
    "No sections": "Нет разделов",
    "No sections are open to you": "Вам не открыт ни один раздел",
    "Ask an administrator to give your account a role.": "Попросите администратора назначить вам роль.",
    "Nothing here yet": "Здесь пока ничего нет",
    "Key": "Ключ",
    "Latest version": "Последняя версия",
    "Deployed": "Опубликована",
    "No route maps deployed": "Нет опубликованных карт маршрутов",
    "Run `routemap init` to deploy the shipped route maps, or `routemap deploy FILE.bpmn`.": "Выполните `routemap init`, чтобы опубликовать поставляемые карты маршрутов, или `routemap deploy FILE.bpmn`.",
    "Edit %(name)s": "Изменить: %(name)s",
    "New department": "Новое подразделение",
    "No departments yet.": "Подразделений пока нет.",
    "Save": "Сохранить",
    "Cancel": "Отмена",
    "A lane of a route map names a role or a group by its code or name; its tasks go to the members.": "Дорожка карты маршрута указывает роль или группу по коду или наименованию; её задачи получают участники.",
    "Active members": "Активных участников",
    "built-in": "встроенная",
    "New role": "Новая роль",
    "New group": "Новая группа",
    "No groups yet.": "Групп пока нет.",
    "Administrator": "Администратор",
    "Process designer": "Проектировщик процессов",
    "Manager": "Руководитель",
    "Employee (sales)": "Сотрудник (продажи)",
    "Employee (support)": "Сотрудник (поддержка)",
}


def main() -> int:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(POT),
            "webui",
            "crm",
        ],
        cwd=ROOT,
        check=True,
    )
    if PO.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "update",
                "-i",
                str(POT),
                "-d",
                str(ROOT / "webui/translations"),
                "-l",
                "ru",
                "--no-fuzzy-matching",
            ],
            check=True,
        )
    else:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "init",
                "-i",
                str(POT),
                "-d",
                str(ROOT / "webui/translations"),
                "-l",
                "ru",
            ],
            check=True,
        )
    with PO.open("rb") as f:
        catalog = read_po(f)
    missing = []
    for msg in catalog:
        if not msg.id:
            continue
        key = msg.id if isinstance(msg.id, str) else msg.id[0]
        if not msg.string and key in RU:
            msg.string = RU[key]
        if not msg.string:
            missing.append(key)
    with PO.open("wb") as f:
        write_po(f, catalog, width=120)
    for key in missing:
        print(f"untranslated: {key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
