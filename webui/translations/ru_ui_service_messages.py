"""Russian translations of the CRM services' messages (crm/**): field errors and refusals that the pages show
next to a field or as a flash.

The services mark them with ``crm.messages.N_`` or build them as ``crm.messages.Message`` (a ``%(name)s``
template and its values); ``webui.service_messages.localize`` translates the template and fills the values
in, so a translation keeps every ``%(name)…`` placeholder of its template. Values such as a user name, a
file column or a status code stay as they were given.
"""

RU = {
    # Access (crm/access.py)
    "you have no access to client %(id)s": "у вас нет доступа к клиенту %(id)s",
    "you may not change client %(id)s": "вы не можете изменять клиента %(id)s",
    "you have no access to potential client %(id)s": "у вас нет доступа к потенциальному клиенту %(id)s",
    # Shared field messages
    "at most %(limit)s characters": "не более %(limit)s символов",
    "at most 200 characters": "не более 200 символов",
    "one of %(choices)s": "одно из значений: %(choices)s",
    "One of %(choices)s.": "Одно из значений: %(choices)s.",
    "a date YYYY-MM-DD is expected": "ожидается дата в формате ГГГГ-ММ-ДД",
    "not a phone number": "это не номер телефона",
    "not an e-mail address": "это не адрес e-mail",
    "up or down": "вверх или вниз",
    "No such user.": "Такого пользователя нет.",
    # Clients, contacts, potential clients (crm/clients)
    "company or person": "организация или физическое лицо",
    "no such entry": "такой записи нет",
    "not a phone number: %(phones)s": "это не номер телефона: %(phones)s",
    "not an e-mail address: %(emails)s": "это не адрес e-mail: %(emails)s",
    "you may not create clients": "вы не можете создавать клиентов",
    "you may only make yourself (or, as a manager, your department) responsible": (
        "ответственным можно назначить только себя (а руководителю — сотрудников своего отдела)"
    ),
    "INN must contain digits only": "ИНН должен состоять только из цифр",
    "INN of a company must have 10 digits": "ИНН организации состоит из 10 цифр",
    "INN of a person must have 12 digits": "ИНН физического лица состоит из 12 цифр",
    "INN check digit does not match": "контрольная цифра ИНН не сходится",
    "INN check digits do not match": "контрольные цифры ИНН не сходятся",
    "a contact person needs a name": "у контактного лица должно быть имя",
    "a converted potential client is kept as it was": "преобразованный потенциальный клиент не изменяется",
    "you may not register potential clients": "вы не можете регистрировать потенциальных клиентов",
    "this potential client is already converted": "этот потенциальный клиент уже преобразован",
    "a potential client needs a name": "у потенциального клиента должно быть имя",
    "open or rejected (conversion sets converted)": "открыт или отклонён (статус «преобразован» ставит преобразование)",
    "choose two different clients": "выберите двух разных клиентов",
    "a client cannot be linked to itself": "клиента нельзя связать с самим собой",
    "only an administrator may define the client portrait": "описывать портрет клиента может только администратор",
    "only an administrator may change the client portrait": "изменять портрет клиента может только администратор",
    "no such attribute in the client portrait": "в портрете клиента нет такого атрибута",
    "%(label)s is required": "«%(label)s» — обязательное поле",
    "%(label)s: a number is expected": "%(label)s: ожидается число",
    "%(label)s: a date YYYY-MM-DD is expected": "%(label)s: ожидается дата в формате ГГГГ-ММ-ДД",
    "%(label)s: yes or no is expected": "%(label)s: ожидается «да» или «нет»",
    "%(label)s: choose one of %(choices)s": "%(label)s: выберите одно из значений: %(choices)s",
    # Notes and interactions (crm/activities)
    "a note belongs to a client, contact, lead, interest or appeal": (
        "заметка относится к клиенту, контактному лицу, потенциальному клиенту, интересу или обращению"
    ),
    "only the author may edit a note": "изменять заметку может только её автор",
    "only the author may delete a note": "удалить заметку может только её автор",
    "you have no access to the card this belongs to": "у вас нет доступа к карточке, к которой это относится",
    "you may not record interactions": "вы не можете записывать взаимодействия",
    "the interaction is already done": "взаимодействие уже выполнено",
    "the interaction is already cancelled": "взаимодействие уже отменено",
    "incoming or outgoing": "входящее или исходящее",
    "a whole number of minutes": "целое число минут",
    # Interests and proposals (crm/deals)
    "a non-negative amount is expected": "ожидается неотрицательная сумма",
    "a %(status)s proposal cannot become %(new_status)s": (
        "коммерческое предложение в состоянии «%(status)s» нельзя перевести в «%(new_status)s»"
    ),
    "no stage %(code)r": "нет этапа %(code)r",
    "an interest belongs to a client or a potential client": "интерес относится к клиенту или потенциальному клиенту",
    "a new interest starts at an open stage": "новый интерес начинается с открытого этапа",
    "the interest is closed; reopen it first": "интерес закрыт; сначала откройте его снова",
    "won or lost": "выигран или проигран",
    "say why the interest was lost": "укажите, почему интерес проигран",
    "the interest is already closed (won)": "интерес уже закрыт (выигран)",
    "the interest is already closed (lost)": "интерес уже закрыт (проигран)",
    "the stage directory has no won stage": "в справочнике этапов нет этапа «выигран»",
    "the stage directory has no lost stage": "в справочнике этапов нет этапа «проигран»",
    "the interest is open": "интерес открыт",
    "reopen at an open stage": "открыть снова можно только на открытом этапе",
    "an interest needs a title": "у интереса должно быть название",
    "a 3-letter currency code is expected": "ожидается трёхбуквенный код валюты",
    "no such contact person": "такого контактного лица нет",
    # Appeals (crm/support)
    "only an administrator may change appeal types": "изменять виды обращений может только администратор",
    "no such appeal type": "такого вида обращения нет",
    "an appeal that is %(status)s cannot become %(new_status)s": (
        "обращение в состоянии «%(status)s» нельзя перевести в «%(new_status)s»"
    ),
    "an appeal needs a subject": "у обращения должна быть тема",
    # Feed (crm/feed)
    "Between 1 and %(limit)s.": "От 1 до %(limit)s.",
    "Unknown Feed kind(s): %(kinds)s": "Неизвестные виды записей ленты: %(kinds)s",
    "A Feed belongs to exactly one client, contact, lead, interest or ticket.": (
        "Лента относится ровно к одному клиенту, контактному лицу, потенциальному клиенту, интересу или обращению."
    ),
    # API tokens (crm/api_tokens.py)
    "a deactivated user cannot create API tokens": "отключённый пользователь не может создавать API-токены",
    "you may revoke only your own API tokens": "отозвать можно только свои API-токены",
    # Users, departments, groups, roles (crm/accounts)
    "Unknown role(s): %(codes)s": "Неизвестные роли: %(codes)s",
    "Unknown group(s): %(codes)s": "Неизвестные группы: %(codes)s",
    "The password must have at least %(limit)s characters.": "Пароль должен содержать не менее %(limit)s символов.",
    "A user name has 2–64 letters, digits or the characters _ . @ -": (
        "Имя пользователя — от 2 до 64 букв, цифр или символов _ . @ -"
    ),
    "Enter the person's full name.": "Укажите полное имя сотрудника.",
    "The user name %(name)r is taken.": "Имя пользователя %(name)r уже занято.",
    "No such department.": "Такого отдела нет.",
    "You cannot deactivate yourself.": "Нельзя отключить самого себя.",
    "This is the last active administrator.": "Это последний действующий администратор.",
    "This user has history in the system; deactivate the account instead.": (
        "У пользователя есть история в системе; вместо удаления отключите учётную запись."
    ),
    "Enter the department's name.": "Укажите название отдела.",
    "A department named %(name)r exists.": "Отдел с названием %(name)r уже есть.",
    "A department cannot be its own parent.": "Отдел не может входить сам в себя.",
    "A code has 2–64 lower-case letters, digits, _ or -.": "Код — от 2 до 64 строчных букв, цифр, _ или -.",
    "Enter the group's name.": "Укажите название группы.",
    "The code %(code)r is taken.": "Код %(code)r уже занят.",
    "%(code)r is a role's code; lanes would be ambiguous.": "%(code)r — код роли; дорожки стали бы неоднозначными.",
    "No such group.": "Такой группы нет.",
    "Enter the role's name.": "Укажите название роли.",
    "No such role.": "Такой роли нет.",
    "A built-in role keeps its code.": "У встроенной роли код не меняется.",
    "The UI speaks 'en' and 'ru'.": "Интерфейс доступен на языках «en» и «ru».",
    # Absences and handing clients over (crm/absences)
    "only an administrator or the absent user may record an absence": (
        "записать отсутствие может только администратор или сам отсутствующий"
    ),
    "give aware datetimes": "укажите дату и время с часовым поясом",
    "only an administrator or the absent user may cancel an absence": (
        "отменить отсутствие может только администратор или сам отсутствующий"
    ),
    "only an administrator may hand over a user's clients": "передать клиентов пользователя может только администратор",
    # Triggers (crm/triggers*.py)
    "give a business key or a client id": "укажите бизнес-ключ или идентификатор клиента",
    "nobody to notify: give a user, the responsible or an address": (
        "некого оповещать: укажите пользователя, ответственного или адрес"
    ),
    "only an administrator may configure triggers": "настраивать триггеры может только администратор",
    "enter a whole number": "введите целое число",
    "write the time as HH:MM, e.g. 10:00": "укажите время в формате ЧЧ:ММ, например 10:00",
    # Work statuses and quality (crm/statuses, crm/quality, crm/workplaces_clients.py)
    "no such work status": "такого рабочего статуса нет",
    "red, amber, green or none": "красный, жёлтый, зелёный или без оценки",
    "client or contact.": "клиент или контактное лицо.",
    "Only an administrator may change quality rules.": "Изменять правила качества может только администратор.",
    "true or false.": "да или нет.",
    "At least one day.": "Не меньше одного дня.",
    "Only an administrator may change status rules.": "Изменять правила статусов может только администратор.",
    "Only an administrator may change the recalculation schedule.": (
        "Изменять расписание пересчёта может только администратор."
    ),
    # Monitoring (crm/monitoring)
    "Give the rule a name.": "Назовите правило.",
    "'>' or '<'.": "«>» или «<».",
    "From 1 to 3660 days.": "От 1 до 3660 дней.",
    "not a funnel stage": "это не этап воронки",
    "a percentage from 0 to 100": "процент от 0 до 100",
    "a later stage cannot be reached by more interests than an earlier one": (
        "до более позднего этапа не может дойти больше интересов, чем до более раннего"
    ),
    # Import (crm/importing)
    "Only an administrator may run this.": "Это может запускать только администратор.",
    "Clients or contact persons.": "Клиенты или контактные лица.",
    "The file is larger than %(limit)s MB.": "Файл больше %(limit)s МБ.",
    "This import has already run; upload the file again.": "Этот импорт уже выполнен; загрузите файл заново.",
    "The file has no column %(header)r.": "В файле нет столбца %(header)r.",
    "The column %(header)r is already mapped to %(field)s.": "Столбец %(header)r уже сопоставлен полю %(field)s.",
    "not a readable XLSX file (%(error)s)": "файл XLSX не читается (%(error)s)",
    "skip or create": "пропустить или создать",
    "map a column to %(field)s": "сопоставьте столбец полю %(field)s",
    "clients or contacts": "клиенты или контактные лица",
    "no %(field)s named %(value)r": "нет значения %(value)r для поля %(field)s",
    "no user %(name)r": "нет пользователя %(name)r",
    "no client of yours with INN %(inn)s": "среди ваших клиентов нет клиента с ИНН %(inn)s",
    "no client of yours named %(name)r": "среди ваших клиентов нет клиента с наименованием %(name)r",
    "give the contact's client (INN or name)": "укажите клиента контактного лица (ИНН или наименование)",
    # Mail accounts (crm/mail)
    "not a mail account setting": "это не настройка почтового ящика",
    "a whole number from %(low)s to %(high)s": "целое число от %(low)s до %(high)s",
    "a date and time such as 2025-06-01T09:00": "дата и время, например 2025-06-01T09:00",
    "not a valid choice": "недопустимое значение",
    "set lead folders with the lead settings": "папки для лидов задаются в настройках лидов",
    "only an administrator creates shared mail accounts": "общие почтовые ящики создаёт только администратор",
    "you may create a personal mail account for yourself only": "личный почтовый ящик можно создать только себе",
    "only an administrator changes an account's kind or owner": "вид и владельца ящика меняет только администратор",
    "a personal account needs its owner": "у личного ящика должен быть владелец",
    "a personal account belongs to its owner alone": "личный ящик принадлежит только своему владельцу",
    "no such user: %(names)s": "таких пользователей нет: %(names)s",
    "inactive users cannot use mail: %(names)s": "отключённые пользователи не могут работать с почтой: %(names)s",
    "you do not use this mail account": "вы не работаете с этим почтовым ящиком",
    "%(field)s: control characters are not allowed": "%(field)s: управляющие символы недопустимы",
    "%(field)s: %(entry)r is not an e-mail address": "%(field)s: %(entry)r — это не адрес e-mail",
    "%(field)s: at most %(limit)s addresses": "%(field)s: не более %(limit)s адресов",
    "you do not write from this mail account": "вы не пишете с этого почтового ящика",
    "this letter belongs to a mail account you do not use": "письмо относится к ящику, с которым вы не работаете",
    "the letter is %(status)s, not a draft": "письмо в состоянии «%(status)s», а не черновик",
    "letter %(id)s has no stored message to attach": "у письма %(id)s нет сохранённого сообщения для вложения",
    "%(name)r: the file content is missing": "%(name)r: нет содержимого файла",
    "the attachments take %(size).1f MB; this account allows at most %(limit)s MB in one letter": (
        "вложения занимают %(size).1f МБ; этот ящик допускает не более %(limit)s МБ в одном письме"
    ),
    "to: give at least one recipient": "кому: укажите хотя бы одного получателя",
    "this mail account has no SMTP server to send through": "у этого ящика нет SMTP-сервера для отправки",
    "choose folders of this account": "выберите папки этого ящика",
    "choose at least one folder, or switch leads to all folders or off": (
        "выберите хотя бы одну папку или переключите лиды на все папки либо отключите их"
    ),
    "scenarios are: %(names)s": "сценарии: %(names)s",
    "choose among the folders that produce leads": "выберите среди папок, из которых создаются лиды",
    "folder %(name)r already shows its leads in another workplace": (
        "папка %(name)r уже показывает свои лиды на другом рабочем месте"
    ),
    "give one e-mail address to forward to": "укажите один адрес e-mail для пересылки",
    "letter %(id)s has no stored message to forward": "у письма %(id)s нет сохранённого сообщения для пересылки",
    "you have no access to letter %(id)s": "у вас нет доступа к письму %(id)s",
    "choose at least one letter": "выберите хотя бы одно письмо",
    "at most %(limit)s letters at once": "не более %(limit)s писем за раз",
    "only the users of the letter's mail account may move or delete it": (
        "перемещать и удалять письмо могут только пользователи его почтового ящика"
    ),
    "no such folder": "такой папки нет",
    "a letter moves within its own mail account only": "письмо перемещается только в пределах своего ящика",
    "the mail server did not do it: %(error)s": "почтовый сервер этого не сделал: %(error)s",
    "another user is responsible for this letter already": "за это письмо уже отвечает другой пользователь",
    "choose a client, an interest or an appeal": "выберите клиента, интерес или обращение",
    "give the letter's text or HTML": "укажите текст письма или HTML",
    "letter %(id)s not found": "письмо %(id)s не найдено",
    "you do not use the account of this letter": "вы не работаете с ящиком этого письма",
    "this letter was never queued for sending": "это письмо не ставилось в очередь на отправку",
    "the letter is %(state)s already": "письмо уже в состоянии «%(state)s»",
    "choose a font": "выберите шрифт",
    "a font name has letters, digits, spaces, commas and hyphens only": (
        "название шрифта состоит только из букв, цифр, пробелов, запятых и дефисов"
    ),
    "a size like 10pt or 14px": "размер вроде 10pt или 14px",
    "from %(low)g to %(high)g %(unit)s": "от %(low)g до %(high)g %(unit)s",
    "only an administrator may set the company's letter font": "шрифт писем компании задаёт только администратор",
    "give the view a name": "назовите представление",
    "the settings must be an object (columns, sort, filters)": "настройки должны быть объектом (столбцы, сортировка, фильтры)",
    "the settings must hold only text, numbers, true/false, lists and objects": (
        "настройки могут содержать только текст, числа, true/false, списки и объекты"
    ),
    "the settings are too big (at most %(limit)s bytes)": "настройки слишком велики (не более %(limit)s байт)",
    "folder %(id)s belongs to an account you do not use": "папка %(id)s относится к ящику, с которым вы не работаете",
    "newest or oldest": "сначала новые или сначала старые",
    "you do not use mail account %(id)s": "вы не работаете с почтовым ящиком %(id)s",
    "drafts, outbox or sent": "черновики, исходящие или отправленные",
    "sales, support or any": "продажи, поддержка или любые",
    "me, none or group": "я, никто или группа",
    "client, interest, ticket or none": "клиент, интерес, обращение или ничего",
    "the end of the period is before its start": "конец периода раньше его начала",
    "not a letter-list position": "это не позиция в списке писем",
    "letters are written from %(cards)s cards": "письма пишутся из карточек: %(cards)s",
    "the card has no e-mail address; enter one": "в карточке нет адреса e-mail; введите его",
    # Mail rules (crm/mail/rules.py)
    "only an administrator manages rules for every account": "правилами для всех ящиков управляет только администратор",
    "no such mail account": "такого почтового ящика нет",
    "you may not manage the rules of this mail account": "вы не можете управлять правилами этого ящика",
    "not a rule setting": "это не настройка правила",
    "give the rule a name": "назовите правило",
    "add at least one condition": "добавьте хотя бы одно условие",
    "add at least one action": "добавьте хотя бы одно действие",
    "each condition is a field, a comparison and a value": "каждое условие — это поле, сравнение и значение",
    "unknown condition field %(name)r; use one of: %(choices)s": (
        "неизвестное поле условия %(name)r; используйте одно из: %(choices)s"
    ),
    "'has attachments' is compared with 'is'": "«есть вложения» сравнивается через «равно»",
    "size is compared with greater_than or less_than (kilobytes)": (
        "размер сравнивается через «больше» или «меньше» (в килобайтах)"
    ),
    "a size is a whole number of kilobytes": "размер — целое число килобайт",
    "unknown comparison %(op)r; use one of: %(choices)s": "неизвестное сравнение %(op)r; используйте одно из: %(choices)s",
    "give the text to compare %(name)s with": "укажите текст, с которым сравнивать %(name)s",
    "a condition's text has at most %(limit)s characters": "текст условия — не более %(limit)s символов",
    "unknown action; use one of: %(choices)s": "неизвестное действие; используйте одно из: %(choices)s",
    "moving to a folder needs a rule of one account (folders belong to an account)": (
        "перемещение в папку возможно только в правиле одного ящика (папки принадлежат ящику)"
    ),
    "choose a folder of this account to move letters to": "выберите папку этого ящика, куда перемещать письма",
    "choose an active user to make responsible": "выберите действующего пользователя в качестве ответственного",
    "choose the client to link letters to": "выберите клиента, к которому привязывать письма",
    "give the e-mail address to forward letters to": "укажите адрес e-mail, на который пересылать письма",
    "forwarding to one of the CRM's own mail accounts would loop": (
        "пересылка на один из почтовых ящиков самой CRM зациклится"
    ),
    # Signatures (crm/mail/signatures.py)
    "only an administrator may change a shared signature": "изменять общую подпись может только администратор",
    "this is another user's signature": "это подпись другого пользователя",
    "give the signature a name": "назовите подпись",
    "the signature is too long (at most %(limit)s characters)": "подпись слишком длинная (не более %(limit)s символов)",
    "only an administrator may create a shared signature": "создавать общую подпись может только администратор",
    "this signature is switched off": "эта подпись отключена",
}
