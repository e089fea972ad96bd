"""Russian strings of Client base settings → Business regions and Segments (pages and the service messages they
show next to fields; ``crm.clients.directories`` marks those for the catalogue)."""

RU = {
    # tabs and pages
    "Business regions": "Бизнес-регионы",
    "Segments": "Сегменты",
    "The regions offered on client and potential client cards. The region's time zone gives the client's local "
    "time on the interest form.": "Регионы, которые предлагаются в карточках клиентов и потенциальных клиентов. "
    "По часовому поясу региона форма интереса показывает местное время клиента.",
    'Client segments such as "Key accounts" or "SMB". A client card is in one segment at most; the client list '
    "filters by segment.": "Сегменты клиентов, например «Ключевые клиенты» или «Малый бизнес». Клиент входит не "
    "более чем в один сегмент; список клиентов отбирается по сегменту.",
    "Name contains": "Наименование содержит",
    "Local time": "Местное время",
    "Local time there now": "Местное время там сейчас",
    "Local time there now is shown next to the zone.": "Рядом с поясом показано местное время там сейчас.",
    "No regions match the filter.": "Нет регионов, подходящих под отбор.",
    "No regions yet.": "Регионов пока нет.",
    "No segments match the filter.": "Нет сегментов, подходящих под отбор.",
    "No segments yet.": "Сегментов пока нет.",
    "New region": "Новый регион",
    "New segment": "Новый сегмент",
    "Show the clients of this segment": "Показать клиентов этого сегмента",
    "Clients of this segment": "Клиенты сегмента",
    "No card uses it.": "Ни одна карточка его не использует.",
    "Delete this region?": "Удалить этот регион?",
    "Delete this segment?": "Удалить этот сегмент?",
    # outcomes
    "There is no such business region.": "Такого бизнес-региона нет.",
    "There is no such segment.": "Такого сегмента нет.",
    "Business region saved.": "Бизнес-регион сохранён.",
    "Business region deleted.": "Бизнес-регион удалён.",
    "Segment saved.": "Сегмент сохранён.",
    "Segment deleted.": "Сегмент удалён.",
    "Client cards in this region: %(clients)s; potential clients: %(leads)s. It cannot be deleted until they are "
    "moved to another region.": "Карточек клиентов в этом регионе: %(clients)s; потенциальных клиентов: "
    "%(leads)s. Регион нельзя удалить, пока им не указан другой регион.",
    "Client cards in this segment: %(clients)s. It cannot be deleted until they are moved to another segment.": (
        "Карточек клиентов в этом сегменте: %(clients)s. Сегмент нельзя удалить, пока они не перенесены в другой "
        "сегмент."
    ),
    # service messages shown next to fields
    "Enter a name.": "Укажите наименование.",
    "At most 200 characters.": "Не более 200 символов.",
    "At most 1000 characters.": "Не более 1000 символов.",
    "This name is taken (letter case aside).": "Это наименование уже занято (без учёта регистра букв).",
    "Choose a time zone.": "Выберите часовой пояс.",
}
