"""The lottery in the statistics (README "Fair access"): after how many unlucky days the
period's winners won, from the weights their entries were registered with, and how many
unlucky days the people still without a place carry (the stored `access_weights`) — as the
real server's /stats.csv gives them after two lottery days."""

from __future__ import annotations

from collections import Counter

from .access_office import DAY, at, window_open
from .spreadsheet import read_csv
from .test_access_draw import NAMES, outcomes, register_all
from .test_manager_board import cookie_for, get_with

NEXT = "2026-12-09"


async def test_the_statistics_count_winners_by_their_unlucky_days_and_the_waiting_by_theirs(tmp_path):
    async with window_open(tmp_path, places=3) as (server, clock):
        first = await register_all(server, NAMES[:8])
        clock.t = at(DAY, "06:05")
        await server.access.tick()
        seen = {(DAY, n): o for n, o in (await outcomes(server, first)).items()}  # the day's page: gone tomorrow
        clock.t = at(DAY, "15:00")  # the next day's window
        await server.access.tick()
        lost = [n for n in NAMES[:8] if seen[(DAY, n)]["state"] == "not_drawn"]
        winner = next(n for n in NAMES[:8] if seen[(DAY, n)]["state"] == "won")
        second = await register_all(server, [*lost, winner])  # 5 unlucky once, 1 lucky: 3 places
        clock.t = at(NEXT, "06:05")
        await server.access.tick()
        seen |= {(NEXT, n): o for n, o in (await outcomes(server, second)).items()}
        weight = {(DAY, n): r["weight"] for n, r in first.items()} | {(NEXT, n): r["weight"] for n, r in second.items()}
        won = Counter(weight[k] - 1 for k, o in seen.items() if o["state"] == "won")
        waiting = Counter(o["weight"] - 1 for (day, _), o in seen.items() if day == NEXT and o["state"] == "not_drawn")
        assert sum(won.values()) == 6 and won[1] >= 2  # at least two won the second day after losing the first

        cookie = await cookie_for(server.port)
        base = f"http://127.0.0.1:{server.port}/stats.csv?period=range&value={DAY}..{NEXT}"
        status, _, body = await get_with(f"{base}&table=lottery_won_after", cookie)
        assert status == 200
        rows = read_csv(body)
        assert rows[0] == ["erfolglose Tage", "gewonnen", "Anteil (%)", "davon dringend"]
        assert {int(r[0]): int(r[1]) for r in rows[1:]} == dict(won)
        status, _, body = await get_with(f"{base}&table=lottery_waiting", cookie)
        assert {int(r[0]): int(r[1]) for r in read_csv(body)[1:]} == dict(waiting)
        status, _, body = await get_with(base.replace("/stats.csv", "/stats"), cookie)  # the page shows both tables
        assert status == 200 and "Gewinnerinnen und Gewinner nach erfolglosen Tagen" in body.decode()
        assert "Personen noch ohne Platz" in body.decode()
        status, _, body = await get_with(base.replace("/stats.csv", "/report.html").replace("range", "month")
                                         .replace(f"{DAY}..{NEXT}", "2026-12"), cookie)  # the monthly report too
        assert status == 200 and "Gewinnerinnen und Gewinner nach erfolglosen Tagen" in body.decode()
