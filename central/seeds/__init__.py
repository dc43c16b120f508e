"""Seed data for the reference central server: reference data and the demo story.

Two seeds use this module. `empty` loads the unit tree, the accounts, the service items,
the reply templates and the policy table. `demo` loads the same and then replays
`demo_events(now)`: a few hundred citizens' cases received over the last ~60 days,
worked by the officers below through the server's own op engine, so every case reaches
its state the way a real one would.

Accounts (every password is `demo-pass`):

- 清源派出所 (STATION_1, `qx-qy`): `chief1` 张建国 (所长, supervisor), `officer1` 李明,
  `officer2` 王芳, `liuyang` 刘洋, `zhaolei` 赵磊. `officer1` holds 20-40 open cases.
- 徐沟派出所 (STATION_2, `qx-xg`, a rural link): `chief2` 陈志强 (supervisor),
  `officer3` 杨帆, `sunjie` 孙杰, `zhoujing` 周静.
- 交警大队秩序科 (TRAFFIC_SECTION): `traffic_chief` 高建军, `traffic1` 韩冬, `traffic2` 冯雪.
- 出入境管理科 (EXIT_ENTRY_SECTION): `exit_chief` 梁晓燕, `exit1` 宋佳.
- every other station and section has a supervisor and an officer (see `officers()`).

The story cases (refs are stable, tests look for them):

- `story-traffic-fine`: the out-of-province truck driver whose year-old traffic fine was
  paid in cash to a restaurant owner. officer1 claims, accepts, phones him back, refers
  the ticket to the traffic order section; traffic1 records the lookup (never paid: a
  fraud), phones him with the result and replies with how to pay from home and a fraud
  warning; he writes back thanks, the case is closed and he rates it five stars.
- `story-taiwan-travel`: "what do I need to travel to Taiwan, is solo travel accepted?",
  answered by exit1 within ten minutes with the office's phone, Weibo and WeChat.
- `story-special-trade-permit`: a special-trade permit consultation that gets a written
  reply from officer1, then a phone call, and five stars.
- `story-offline-on-time`: officer3 on 徐沟's rural link answers a consultation offline
  before its reply clock runs out; the link returns after the due time, so the server
  reports the reply as "late, done offline on time".
- `story-markup-img`, `story-markup-link`: citizens who pasted text that looks like HTML;
  clients must show it as plain text.

Everything is deterministic: `demo_events(now)` draws from a `random.Random` with a fixed
seed and places every time relative to `now`, never the wall clock. Citizens' names,
phone numbers and ID numbers are invented (ID numbers carry valid check digits).

The package's rooms: `reference` (the unit tree, accounts, service items, templates,
policy), `texts` (invented citizens and the Chinese case texts), `story` (the generator
of the demo events). Their public names are re-exported here, so `seeds.units()` and
`from central.seeds import citizen_case` keep working.
"""

from __future__ import annotations

from central.seeds.reference import (
    AIRPORT_SECTION,
    BEIJING,
    BORDER_SECTION,
    CATEGORIES,
    CHANNELS,
    CITY_TAIYUAN,
    COUNTY_BUREAU,
    CYBER_SECTION,
    DEFAULT_UNIT_BY_CATEGORY,
    DEMO_PASSWORD,
    DEMO_SEED,
    EXIT_ENTRY_SECTION,
    LEGAL_SECTION,
    NARCOTICS_SECTION,
    PROVINCE,
    PUBLIC_ORDER_SECTION,
    RURAL_UNITS,
    STATION_1,
    STATION_2,
    STATION_DONGYU,
    STATION_MENGFENG,
    TRAFFIC_SECTION,
    SeedOfficer,
    officers,
    policy,
    service_items,
    templates,
    units,
)
from central.seeds.story import (
    BULK_CASES,
    Action,
    CitizenEvent,
    DemoEvent,
    Intake,
    citizen_case,
    demo_events,
    working_time_after,
    working_time_before,
)
from central.seeds.texts import id_check_digit, id_number_valid

__all__ = [
    'AIRPORT_SECTION',
    'Action',
    'BEIJING',
    'BORDER_SECTION',
    'BULK_CASES',
    'CATEGORIES',
    'CHANNELS',
    'CITY_TAIYUAN',
    'COUNTY_BUREAU',
    'CYBER_SECTION',
    'CitizenEvent',
    'DEFAULT_UNIT_BY_CATEGORY',
    'DEMO_PASSWORD',
    'DEMO_SEED',
    'DemoEvent',
    'EXIT_ENTRY_SECTION',
    'Intake',
    'LEGAL_SECTION',
    'NARCOTICS_SECTION',
    'PROVINCE',
    'PUBLIC_ORDER_SECTION',
    'RURAL_UNITS',
    'STATION_1',
    'STATION_2',
    'STATION_DONGYU',
    'STATION_MENGFENG',
    'SeedOfficer',
    'TRAFFIC_SECTION',
    'citizen_case',
    'demo_events',
    'id_check_digit',
    'id_number_valid',
    'officers',
    'policy',
    'service_items',
    'templates',
    'units',
    'working_time_after',
    'working_time_before',
]
