"""港西镇 as in the founding news report: its org tree, people and leading group.

The village names are fictional but plausible for a coastal town in 荣成.
"""

VILLAGES = [
    ("港西村", "village"),
    ("东岛村", "village"),
    ("西岛村", "village"),
    ("北港村", "village"),
    ("南岭村", "village"),
    ("海埠村", "village"),
    ("石湾村", "village"),
    ("渔家疃村", "village"),
    ("龙泉村", "village"),
    ("马家寨村", "village"),
    ("王家庄村", "village"),
    ("后海村", "village"),
    ("青石村", "village"),
    ("柳树庄村", "village"),
    ("杨家洼村", "village"),
    ("大疃村", "village"),
    ("沙窝村", "village"),
    ("盐场村", "village"),
    ("松林村", "village"),
    ("港湾社区", "community"),
    ("海景社区", "community"),
]

# Surnames and given names for the 21 village heads (fictional).
VILLAGE_HEADS = [
    "王建国",
    "李海滨",
    "张庆礼",
    "刘春江",
    "陈志刚",
    "杨德胜",
    "赵永福",
    "孙立新",
    "周海涛",
    "吴长明",
    "郑玉华",
    "王海燕",
    "冯德林",
    "于洪波",
    "曲成军",
    "邹建平",
    "林国栋",
    "毕秀英",
    "汤振东",
    "宋丽娟",
    "鞠文斌",
]

# username, real name, position, unit key, roles (with the unit key each role covers), group role
STAFF = [
    ("shuji", "孙志远", "镇党委书记", "town", [("leader", "town")], ("leader", 10)),
    ("zhenzhang", "刘文涛", "镇长", "town", [("leader", "town")], ("leader", 20)),
    (
        "fushuji",
        "于春梅",
        "镇党委副书记",
        "town",
        [("deputy_leader", "town")],
        ("deputy_leader", 30),
    ),
    (
        "jiaodaoyuan",
        "曲振华",
        "派出所教导员",
        "police",
        [("deputy_leader", "town"), ("police_officer", "police")],
        ("deputy_leader", 40),
    ),
    ("suozhang", "王立强", "派出所所长", "police", [("police_officer", "police")], ("member", 50)),
    ("minjing", "张海洋", "派出所民警", "police", [("police_officer", "police")], None),
    (
        "banshi",
        "李晓静",
        "镇扫黑办工作人员",
        "town",
        [("office_staff", "town")],
        ("office_member", 70),
    ),
    ("baoguan", "陈淑芳", "举报信息保管员", "town", [("identity_custodian", "town")], None),
    ("shiban", "赵建民", "市扫黑办督导组组长", "city", [("supervisor", "city")], None),
    ("xitong", "周宁", "系统管理员", "town", [("system_admin", "town")], None),
    ("anquan", "吴敏", "安全管理员", "town", [("security_admin", "town")], None),
    ("shenji", "郑华", "审计管理员", "town", [("audit_admin", "town")], None),
]

DEMO_PASSWORD = "Saohei@2026"  # noqa: S105 (published demo password)
