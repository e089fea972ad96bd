"""Names and identifiers for demo and scale data: believable Russian and English companies and people."""

from __future__ import annotations

import random

from crm.clients.normalize import INN_10_WEIGHTS, INN_11_WEIGHTS, INN_12_WEIGHTS

RU_FORMS = ("ООО", "АО", "ПАО", "ЗАО")
RU_WORDS = (
    "Ромашка",
    "Вектор",
    "Север",
    "Техносфера",
    "Альфа",
    "Меридиан",
    "Гранит",
    "Восход",
    "Импульс",
    "Орбита",
    "Сибирь",
    "Прогресс",
    "Атлант",
    "Каскад",
    "Монолит",
    "Радуга",
    "Стрела",
    "Феникс",
    "Эталон",
    "Янтарь",
)
RU_SUFFIXES = ("", "-Логистик", "-Трейд", "-Строй", "-Сервис", "-Групп", " Плюс", "-М")
EN_WORDS = (
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Litware",
    "Adventure",
    "Tailspin",
    "Wingtip",
    "Proseware",
    "Lucerne",
    "Margie",
    "Alpine",
    "Blue Yonder",
    "Coho",
    "Fourth Coffee",
    "Graphic Design",
    "Humongous",
    "Trey",
    "Wide World",
)
EN_SUFFIXES = ("Traders", "Ltd", "Inc", "Group", "Systems", "Logistics", "Foods", "Partners", "Industries")
RU_SURNAMES = ("Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков")
RU_FIRST = ("Иван", "Пётр", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Николай", "Олег")
RU_PATRONYMIC = ("Иванович", "Петрович", "Сергеевич", "Андреевич", "Олегович")
EN_FIRST = ("John", "Anna", "Peter", "Mary", "James", "Linda", "Robert", "Susan", "David", "Karen")
EN_LAST = ("Smith", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Johnson", "Roberts")


def _check(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def company_inn(rng: random.Random) -> str:
    """A valid 10-digit company INN (check digit computed), region 77/78/50."""
    digits = [int(c) for c in rng.choice(("77", "78", "50"))] + [rng.randrange(10) for _ in range(7)]
    return "".join(map(str, [*digits, _check(digits, INN_10_WEIGHTS)]))


def person_inn(rng: random.Random) -> str:
    """A valid 12-digit INN of a person / sole proprietor."""
    digits = [int(c) for c in rng.choice(("77", "78", "50"))] + [rng.randrange(10) for _ in range(8)]
    digits.append(_check(digits, INN_11_WEIGHTS))
    digits.append(_check(digits, INN_12_WEIGHTS))
    return "".join(map(str, digits))


def company_name(rng: random.Random, serial: int) -> str:
    """A company name, Russian or English; ``serial`` keeps names distinct in large sets."""
    if rng.random() < 0.6:
        word = rng.choice(RU_WORDS) + rng.choice(RU_SUFFIXES)
        return f"{rng.choice(RU_FORMS)} «{word} {serial}»"
    return f"{rng.choice(EN_WORDS)} {rng.choice(EN_SUFFIXES)} {serial}"


def person_name(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"{rng.choice(RU_SURNAMES)} {rng.choice(RU_FIRST)} {rng.choice(RU_PATRONYMIC)}"
    return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"


def phone(rng: random.Random) -> str:
    return f"+7 9{rng.randrange(10, 100)} {rng.randrange(100, 1000)}-{rng.randrange(10, 100)}-{rng.randrange(10, 100)}"
