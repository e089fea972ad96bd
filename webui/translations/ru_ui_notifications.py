"""Russian UI strings of the notifications bell and page (templates/notifications, views/notifications.py, the
bell in base.html) for the lead to merge into webui/translations/ru/LC_MESSAGES/messages.po
(msgid -> msgstr; %% and %(name)s as in the msgid)."""

from __future__ import annotations

RU: dict[str, str] = {
    "%(count)d notification(s) marked read.": "Отмечено прочитанными: %(count)d.",
    "All": "Все",
    "All notifications and settings": "Все уведомления и настройки",
    "Loading…": "Загрузка…",
    "Mark all read": "Отметить все прочитанными",
    "Mark read": "Отметить прочитанным",
    "Monitoring alert": "Оповещение мониторинга",
    "New task": "Новая задача",
    "New tasks for me or my lanes": "Новые задачи для меня или моих ролей и групп",
    "Newest": "Самые новые",
    "No notifications.": "Уведомлений нет.",
    "No unread notifications.": "Непрочитанных уведомлений нет.",
    "Notification settings saved.": "Настройки уведомлений сохранены.",
    "Notifications": "Уведомления",
    "Notify me about": "Уведомлять меня о",
    "Older": "Старше",
    "Overdue task": "Просроченная задача",
    "Pages": "Страницы",
    "Route map": "Маршрутная карта",
    "Route-map messages and monitoring alerts are always shown. Tasks are checked every minute.": (
        "Сообщения маршрутных карт и оповещения мониторинга показываются всегда. Задачи проверяются каждую минуту."
    ),
    "Save": "Сохранить",
    "Tasks that became overdue": "Задачи, срок которых истёк",
    "Unread": "Не прочитано",
}
