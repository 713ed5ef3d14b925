"""`python -m bench [--quick]`: run the benchmarks, print JSON lines and a table."""

from __future__ import annotations

import argparse
import json
import os

from . import access as access_bench
from . import messages as messages_bench
from . import (call_to_screen, counter_page, draws, estimates, failover, fanout, imports, kiosk, manager, memory, network,
               offices, postgres, recovery, report)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small counts, a smoke run (CI)")
    parser.add_argument("--clients", type=int, nargs="+", default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--standby", action="store_true",
                        help="offices: PostgreSQL with a synchronous streaming standby, as an IT provider runs it")
    parser.add_argument("--split-cores", action="store_true",
                        help="offices: the terminals on core 1, the servers and PostgreSQL on core 0 (every round)")
    parser.add_argument("--nice", type=int, default=0,
                        help="run the benchmarks' processes at this niceness (negative: before other jobs; root only)")
    parser.add_argument("--only", choices=["draws", "call_to_screen", "fanout", "kiosk", "memory", "recovery", "estimates",
                                           "manager", "imports", "report", "counter_page", "postgres", "messages",
                                           "failover", "offices", "access", "network"], default=None)
    args = parser.parse_args()
    if args.nice:  # every server, database and load generator started from here inherits it
        os.nice(args.nice)
    seconds = args.seconds or (0.5 if args.quick else 4.0)
    clients = args.clients or ([2] if args.quick else [1, 10, 50])
    if args.only in (None, "draws"):
        rows = draws.run(clients, seconds, ["normal"] if args.quick else ["normal", "full"], 1 if args.quick else 3)
        draws.report(rows)
    if args.only in (None, "postgres"):
        postgres.report(postgres.run(clients, seconds, 1 if args.quick else 3))
    if args.only in (None, "failover"):
        failover.report(failover.run(clients[-1] if args.clients else (2 if args.quick else 10),
                                     1.0 if args.quick else 3.0, 0.5 if args.quick else 2.0, 1 if args.quick else 3))
    if args.only in (None, "offices"):
        offices.report(offices.run(3 if args.quick else 30, 2, 0.5, seconds if args.seconds else (1.5 if args.quick else 10.0),
                                   alone_seconds=1.5 if args.quick else None, standby=args.standby,
                                   split=args.split_cores,
                                   # quick rounds are 1.5 s: a counter calling every 2 s may find nobody
                                   call_interval=0.4 if args.quick else 2.0, idle_seconds=0.5 if args.quick else 5.0))
    if args.only in (None, "call_to_screen"):
        (row,) = call_to_screen.run(3 if args.quick else 20)
        print(f"\ncall to screen: median {row['median']} ms, max {row['max']} ms over {row['calls']} calls "
              f"(the counter's own round trip: median {row['counter_round_trip_median']} ms)")
    if args.only in (None, "counter_page"):
        (row,) = counter_page.run(3 if args.quick else 20)
        print(f"\ncounter page in Chromium: key N -> display shows the call, median {row['page_median']} ms "
              f"(max {row['page_max']}); the same call from a websocket counter: median {row['client_median']} ms "
              f"(x{row['ratio_median']})")
    if args.only in (None, "fanout"):
        (row,) = fanout.run(40, 2, 4, 3, repeats=1) if args.quick else fanout.run()
        print(f"\ncall to screen, {row['displays']} displays in {row['processes']} processes, {row['counters']} counters: "
              f"p50 {row['willkommen_p50']} ms, p99 {row['willkommen_p99']} ms, max {row['willkommen_max']} ms; "
              f"bare broadcast p50 {row['broadcast_p50']}, p99 {row['broadcast_p99']} "
              f"(×{row['ratio_p50']}, ×{row['ratio_p99']}); with {row['stuck_displays']} displays that never read: "
              f"p99 {row['stuck_p99']} ms (×{row['stuck_ratio_p99']} of without)")
    if args.only in (None, "memory"):
        (row,) = memory.run(50 if args.quick else 1000)
        print(f"\nRSS per idle display: {row['willkommen']} KB (bare websockets: {row['bare_websockets_no_compression']} KB "
              f"without compression, {row['bare_websockets_deflate']} KB with deflate; {row['connections']} connections)")
    if args.only in (None, "recovery"):
        (row,) = recovery.run(20_000 if args.quick else 1_000_000)
        print(f"\nready with {row['events']} events: {row['with_events']} s (empty store: {row['empty_store']} s)")
    if args.only in (None, "estimates"):
        for row in estimates.run(1 if args.quick else 8):
            print(json.dumps(row), flush=True)
    if args.only in (None, "manager"):
        stats, board, chromium = manager.run(20_000 if args.quick else 1_000_000, 3 if args.quick else 20)
        print(f"\na month's statistics ({stats['month_tickets']} tickets) over {stats['events']} events: "
              f"{stats['month_from_histograms']} ms from the kept histograms, {stats['month_live']} ms from the tickets "
              f"(one SQL pass over the month's tickets: {stats['baseline_month_scan']} ms); a year from histograms "
              f"{stats['year_from_histograms']} ms; CPU time: {stats['cpu_month_from_histograms']} ms from the "
              f"histograms, {stats['cpu_month_live']} ms from the tickets, {stats['cpu_baseline_month_scan']} ms the scan")
        print(f"floor board, {board['counters']} counters calling: next -> board frame median {board['median']} ms, "
              f"p99 {board['p99']} ms (the counter's own round trip: median {board['counter_round_trip_median']} ms)")
        print(f"board page in Chromium: next -> counter row shows the visitor, median {chromium['board_median']} ms, "
              f"max {chromium['board_max']} ms; the display page for the same calls: median "
              f"{chromium['display_median']} ms (x{chromium['ratio_median']})")
    if args.only in (None, "imports"):
        row = imports.run(500 if args.quick else 50_000)
        print(f"\nappointments import: {row['events']} iCalendar events in {row['seconds']} s "
              f"({row['per_second']}/s; reading the file alone {row['parse_seconds']} s)")
    if args.only in (None, "report"):
        (row,) = report.run(1 if args.quick else 3, 1.0 if args.quick else 6.0,
                           "report.html" if args.quick else "report.pdf")
        print(f"\nwhile a month's report renders ({row['tickets']} tickets, {row['reports_rendered']} reports, "
              f"median {row['report_median_s']} s each, in the report worker): /healthz p99 {row['healthz_loaded_p99']} ms "
              f"against {row['healthz_quiet_p99']} ms quiet (x{row['healthz_ratio_p99']}); a kiosk draw p99 "
              f"{row['draw_loaded_p99']} ms against {row['draw_quiet_p99']} ms (x{row['draw_ratio_p99']}); "
              f"medians {row['healthz_loaded_p50']}/{row['healthz_quiet_p50']} and "
              f"{row['draw_loaded_p50']}/{row['draw_quiet_p50']} ms. Before, in a thread of the server: /healthz p99 "
              f"{row['before_healthz_loaded_p99']} against {row['before_healthz_quiet_p99']} ms "
              f"(x{row['before_healthz_ratio_p99']}), the draw {row['before_draw_loaded_p99']} against "
              f"{row['before_draw_quiet_p99']} ms (x{row['before_draw_ratio_p99']})")
    if args.only in (None, "network"):
        (row,) = network.run(3 if args.quick else 30, 2 if args.quick else 12)
        print(f"\nthe network: {row['offices']} offices' {row['months']} months ({row['days']} office days) stored at "
              f"{row['days_per_second']} days/s over HTTP, {row['kib_per_office_month']} KiB per office-month; the "
              f"coordinator's page for a month in {row['page_seconds_median']} s ({row['page_kib']} KiB); "
              f"a nightly send of 10 days {row['nightly_send_ms']} ms")
    if args.only in (None, "kiosk"):
        sizes, touch = kiosk.run(4 if args.quick else 16)
        print("\nticket bytes at 80 mm: " + ", ".join(f"{k} {v}" for k, v in sizes.items() if k != "figure"))
        print(f"touch to printed bytes: median {touch['median']} ms, max {touch['max']} ms "
              f"over {touch['touches']} touches")
    if args.only in (None, "messages"):
        (row,) = messages_bench.run(50 if args.quick else 10_000, 10 if args.quick else 1_000)
        print(f"\nafter a draw, {row['emails']} e-mails and {row['sms']} SMS posted: {row['posts_ms']} ms of the event loop "
              f"({row['post_us_each']} us each), all written {row['saved_ms']} ms after the first; e-mails taken by SMTP "
              f"in {row['emails_s']} s ({row['emails_per_s']}/s), SMS delivered through Kannel in {row['sms_delivered_s']} s "
              f"({row['sms_per_s']}/s); a 5 ms timer on the loop meanwhile late by p99 {row['loop_late_p99_ms']} ms "
              f"(max {row['loop_late_max_ms']}), idle p99 {row['idle_loop_late_p99_ms']} ms")

    if args.only in (None, "access"):
        draw, *days, operator, load = access_bench.run(args.quick)
        print(f"\nfair access: the draw of {draw['entries']} entries {draw['core']} ms (the office's whole draw "
              f"{draw['office_draw']} ms; hashing and sorting them alone {draw['hash_and_sort_baseline']} ms)")
        for row in days:
            print(f"demand {row['demand']}x: days to win median/p95/worst {row['weighted_days_to_win_median']}/"
                  f"{row['weighted_days_to_win_p95']}/{row['weighted_days_to_win_worst']} with the weight, "
                  f"{row['unweighted_days_to_win_median']}/{row['unweighted_days_to_win_p95']}/"
                  f"{row['unweighted_days_to_win_worst']} without; urgent in time {row['weighted_urgent_in_time']} "
                  f"(without the lane {row['urgent_in_time_without_lane']}); 50 made-up identities held "
                  f"{row['operator_50_places_per_day']} places a day")
        print(f"an operator's {operator['made_up']} made-up identities won {operator['operator_places']} places; "
              f"visits served to buyers: {operator['buyer_visits_served']} (refused at the counter "
              f"{operator['refused_at_counter']})")
        print(f"{load['entries']} registrations in {load['seconds']} s while a kiosk draws: its p99 "
              f"{load['draw_loaded_p99']} ms against {load['draw_quiet_p99']} ms quiet (x{load['draw_ratio_p99']}); "
              f"one registration alone {load['server_cpu_us_per_registration_alone']} us of the server's CPU")


if __name__ == "__main__":
    main()
