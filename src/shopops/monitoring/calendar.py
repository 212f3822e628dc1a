"""Days that are not ordinary: the platforms' event days (monitoring.CalendarEvent, data the
team edits) and Chinese public holidays (the `holidays` package). The daily report compares
such a day with the same event a year earlier, never with ordinary days, and keeps such days
out of the ordinary baselines of the days after."""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache


@dataclass(frozen=True)
class Event:
    name: str
    kind: str  # platform | holiday | other
    first: date
    last: date

    def offset(self, day: date) -> int:
        return (day - self.first).days


def _base_name(name: str) -> str:
    """春节（补假） and 春节延长假期 are 春节."""
    for cut in ("（", "(", "延长", "补假"):
        name = name.split(cut)[0]
    return name.strip()


@lru_cache(maxsize=64)
def _holidays(year: int) -> tuple[Event, ...]:
    """The year's public holidays in China as runs of consecutive days of one name (the
    rest days moved by 调休 are left out: they are ordinary days moved)."""
    import holidays

    days = sorted(
        (d, _base_name(n))
        for d, n in holidays.China(years=year, language="zh_CN").items()
        if "调休" not in n
    )
    out, current = [], []
    for d, name in days:
        if current and (d - current[-1][0] != timedelta(days=1) or name != current[-1][1]):
            out.append(Event(current[0][1], "holiday", current[0][0], current[-1][0]))
            current = []
        current.append((d, name))
    if current:
        out.append(Event(current[0][1], "holiday", current[0][0], current[-1][0]))
    return tuple(out)


# The platforms' yearly events (name, (month, first day), (month, last day)) as migrations
# 0005 and 0007 seed them: the main days and the windows around them (预热, 返场). Used when
# no event is kept at all (a database flushed by a test, say); once any is kept, the kept
# ones are the calendar, as the team edited it.
PLATFORM_EVENTS = (
    ("38节预热", (3, 1), (3, 7)),
    ("38节", (3, 8), (3, 8)),
    ("618预热", (6, 1), (6, 17)),
    ("618", (6, 18), (6, 18)),
    ("618返场", (6, 19), (6, 20)),
    ("双11预热", (10, 20), (11, 10)),
    ("双11", (11, 11), (11, 11)),
    ("双11返场", (11, 12), (11, 13)),
    ("双12预热", (12, 10), (12, 11)),
    ("双12", (12, 12), (12, 12)),
)


def _stored(first: date, last: date) -> list[Event]:
    from shopops.monitoring.models import CalendarEvent

    if not CalendarEvent.objects.exists():
        return [
            Event(name, "platform", a, b)
            for year in range(first.year, last.year + 1)
            for name, start, end in PLATFORM_EVENTS
            if (a := date(year, *start)) <= last and (b := date(year, *end)) >= first
        ]
    return [
        Event(e.name, e.kind, e.start, e.end)
        for e in CalendarEvent.objects.filter(start__lte=last, end__gte=first)
    ]


def events(first: date, last: date) -> list[Event]:
    """Every event touching first..last, platform events first."""
    found = _stored(first, last)
    for year in range(first.year, last.year + 1):
        found += [h for h in _holidays(year) if h.first <= last and h.last >= first]
    return found


def days_of(first: date, last: date) -> dict[date, Event]:
    """{day: its event} for the event days in first..last."""
    out: dict[date, Event] = {}
    for event in events(first, last):
        day = max(event.first, first)
        while day <= min(event.last, last):
            out.setdefault(day, event)
            day += timedelta(days=1)
    return out


def same_day_last_year(day: date) -> tuple[Event, date] | None:
    """The day's event and the matching day of the same event a year earlier (the same
    offset into it, within its length), or None for an ordinary day or an event without
    one the year before."""
    event = days_of(day, day).get(day)
    if event is None:
        return None
    year_before = date(day.year - 1, 1, 1), date(day.year - 1, 12, 31)
    earlier = [
        e for e in events(*year_before) if e.name == event.name and e.first.year == day.year - 1
    ]
    if not earlier:
        return None
    match = earlier[0]
    return event, min(match.first + timedelta(days=event.offset(day)), match.last)
